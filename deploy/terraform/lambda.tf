# The API function: the Django service from the container image, in the VPC, with EFS mounted.
# Every change publishes a version; traffic goes to the `live` alias, which deploy/release.py
# moves once the new version has migrated the database and passed its smoke tests.

resource "aws_cloudwatch_log_group" "lambda" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch's own encryption; no customer KMS key to run.
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default) to cap cost.
  name              = "/aws/lambda/${local.name}-api"
  retention_in_days = var.log_retention_days
}

locals {
  function_name = "${local.name}-api"
  api_host      = replace(aws_apigatewayv2_api.this.api_endpoint, "https://", "")
  api_hosts     = compact([local.api_host, var.api_domain_name])

  lambda_environment = merge(
    {
      CONCERT_PRODUCTION     = "true"
      DJANGO_SECRET_KEY_ARN  = aws_secretsmanager_secret.django_secret_key.arn
      DJANGO_ALLOWED_HOSTS   = join(",", local.api_hosts)
      CSRF_TRUSTED_ORIGINS   = join(",", [for host in local.api_hosts : "https://${host}"])
      CORS_ALLOWED_ORIGINS   = join(",", var.cors_allowed_origins)
      DB_SECRET_ARN          = aws_db_instance.this.master_user_secret[0].secret_arn
      DB_HOST                = local.db_host
      DB_PORT                = tostring(aws_db_instance.this.port)
      DB_NAME                = var.db_name
      PICTURES_ROOT          = "/mnt/efs"
      FILES_BUCKET           = aws_s3_bucket.media.id
      JWT_ISSUER             = "https://${aws_cognito_user_pool.this.endpoint}"
      JWT_AUDIENCE           = join(",", local.cognito_client_ids)
      JWT_JWKS_SECRET_ARN    = aws_secretsmanager_secret.jwks.arn
      AUTH_TRUST_API_GATEWAY = "true"
      LOG_LEVEL              = var.log_level
      REQUEST_TIME_LIMIT     = tostring(var.lambda_timeout)
    },
    local.redis_url == null ? {} : { REDIS_URL = local.redis_url },
    # RDS Proxy presents an ACM certificate: it chains to the Amazon Root CAs of the system
    # bundle, not to RDS's own CAs (the service's default bundle).
    var.enable_rds_proxy ? { DB_SSL_CA = "/etc/pki/tls/certs/ca-bundle.crt" } : {},
  )
}

resource "aws_lambda_function" "api" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing is not used by the service and would need extra role permissions.
  #checkov:skip=CKV_AWS_115:Reserved concurrency follows the database's connection budget by default; -1 (accounts that cannot reserve any) leaves it unreserved.
  #checkov:skip=CKV_AWS_173:The environment holds no secret, only ARNs and names; AWS-managed encryption applies.
  #checkov:skip=CKV_AWS_272:Code signing does not apply to container images; the image is pinned by digest from ECR.
  function_name = local.function_name
  description   = "Concert API (Django) for ${local.name}"
  role          = aws_iam_role.lambda.arn
  package_type  = "Image"
  image_uri     = local.image_uri
  architectures = [var.lambda_architecture]
  timeout       = var.lambda_timeout
  memory_size   = var.lambda_memory_size
  publish       = true

  # The connection budget (database.tf); -1 reserves none.
  reserved_concurrent_executions = local.lambda_reserved_concurrency

  vpc_config {
    subnet_ids         = local.function_subnet_ids
    security_group_ids = [aws_security_group.lambda.id]
  }

  file_system_config {
    arn              = aws_efs_access_point.pictures.arn
    local_mount_path = "/mnt/efs"
  }

  environment {
    variables = local.lambda_environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  # Scheduled (asynchronous) invocations that still fail after Lambda's two retries.
  dead_letter_config {
    target_arn = aws_sqs_queue.jobs_dlq.arn
  }

  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_efs_mount_target.this,
    aws_iam_role_policy.lambda,
  ]
}

# Terraform sets the alias once; from then on deploy/release.py owns it (release, rollback),
# so an apply that publishes a version never moves traffic by itself.
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version serving API Gateway and EventBridge"
  function_name    = aws_lambda_function.api.function_name
  function_version = aws_lambda_function.api.version

  lifecycle {
    ignore_changes = [function_version]
  }
}
