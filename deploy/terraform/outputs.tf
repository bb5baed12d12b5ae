# Outputs of the production stack.

output "api_endpoint" {
  description = "HTTPS URL of the API (the custom domain when set, else the execute-api URL)."
  value       = var.api_domain_name == null ? aws_apigatewayv2_api.this.api_endpoint : "https://${var.api_domain_name}"
}

output "api_execute_endpoint" {
  description = "Default execute-api URL of the HTTP API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "api_domain_target" {
  description = "Regional target name for a DNS record of the custom domain (null without one)."
  value       = try(aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name, null)
}

output "api_certificate_validation_records" {
  description = "DNS records that validate a requested API certificate."
  value = [
    for option in try(aws_acm_certificate.api[0].domain_validation_options, []) : {
      name  = option.resource_record_name
      type  = option.resource_record_type
      value = option.resource_record_value
    }
  ]
}

output "cognito_user_pool_id" {
  description = "ID of the Cognito user pool."
  value       = aws_cognito_user_pool.this.id
}

output "cognito_app_client_id" {
  description = "ID of the web app client (public, SRP)."
  value       = aws_cognito_user_pool_client.this["web"].id
}

output "cognito_api_client_id" {
  description = "ID of the API/native app client (public, SRP)."
  value       = aws_cognito_user_pool_client.this["api"].id
}

output "cognito_issuer" {
  description = "JWT issuer of the user pool (JWT_ISSUER)."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "rds_endpoint" {
  description = "Address:port of the MySQL instance (private)."
  value       = aws_db_instance.this.endpoint
}

output "rds_secret_arn" {
  description = "ARN of the RDS-managed secret holding the master credentials."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "s3_bucket_name" {
  description = "Name of the media bucket (user files under files/)."
  value       = aws_s3_bucket.media.id
}

output "media_bucket_name" {
  description = "Name of the media bucket (alias of s3_bucket_name)."
  value       = aws_s3_bucket.media.id
}

output "redis_endpoint" {
  description = "Endpoint of the serverless cache, Valkey or Redis OSS (null when enable_redis is false)."
  value       = local.redis_endpoint
}

output "efs_access_point_arn" {
  description = "ARN of the EFS access point mounted by the function at /mnt/efs."
  value       = aws_efs_access_point.pictures.arn
}

output "lambda_function_name" {
  description = "Name of the API function (direct invocations run management commands)."
  value       = aws_lambda_function.api.function_name
}

output "ecr_repository_url" {
  description = "URL of the ECR repository to push the image to."
  value       = aws_ecr_repository.this.repository_url
}

output "lambda_published_version" {
  description = "Newest published version of the function (what the last apply deployed; it takes traffic once deploy/release.py moves the live alias to it)."
  value       = aws_lambda_function.api.version
}

output "lambda_alias_name" {
  description = "Name of the alias API Gateway and EventBridge invoke (live)."
  value       = aws_lambda_alias.live.name
}

output "jobs_dead_letter_queue_url" {
  description = "URL of the SQS queue holding scheduled jobs that kept failing."
  value       = aws_sqs_queue.jobs_dlq.id
}

output "image_uri" {
  description = "Image URI the function runs."
  value       = aws_lambda_function.api.image_uri
}

output "django_secret_key_arn" {
  description = "ARN of the secret holding the Django SECRET_KEY."
  value       = aws_secretsmanager_secret.django_secret_key.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic receiving alarms, budget and cost anomaly alerts."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.overview.dashboard_name
}

output "lambda_log_group" {
  description = "Log group of the API function."
  value       = aws_cloudwatch_log_group.lambda.name
}

output "api_log_group" {
  description = "Log group of the API access logs."
  value       = aws_cloudwatch_log_group.api.name
}

output "frontend_bucket_name" {
  description = "Name of the front-end bucket (null when enable_frontend is false)."
  value       = try(aws_s3_bucket.frontend[0].id, null)
}

output "frontend_distribution_id" {
  description = "ID of the front-end CloudFront distribution, for invalidations (null when disabled)."
  value       = try(aws_cloudfront_distribution.frontend[0].id, null)
}

output "frontend_url" {
  description = "HTTPS URL of the front end (null when enable_frontend is false)."
  value       = try("https://${local.frontend_custom_cert ? var.frontend_domain_names[0] : aws_cloudfront_distribution.frontend[0].domain_name}", null)
}

output "frontend_config" {
  description = "Settings the front end needs: API URL, region and Cognito ids."
  value = {
    api_endpoint            = var.api_domain_name == null ? aws_apigatewayv2_api.this.api_endpoint : "https://${var.api_domain_name}"
    region                  = local.region
    user_pool_id            = aws_cognito_user_pool.this.id
    user_pool_client_id     = aws_cognito_user_pool_client.this["web"].id
    cognito_domain          = try("${aws_cognito_user_pool_domain.this[0].domain}.auth.${local.region}.amazoncognito.com", null)
    oauth_redirect_sign_in  = var.cognito_callback_urls
    oauth_redirect_sign_out = var.cognito_logout_urls
  }
}

output "backend_config" {
  description = "Environment of the API function (names and ARNs only, no secret values)."
  value       = local.lambda_environment
}

output "rds_proxy_endpoint" {
  description = "Endpoint of RDS Proxy, which the function connects to (null when enable_rds_proxy is false)."
  value       = try(aws_db_proxy.this[0].endpoint, null)
}

output "connection_budget" {
  description = "Database connections and the function's reserved concurrency derived from them."
  value = {
    max_connections      = local.rds_max_connections
    headroom             = var.rds_connection_headroom
    function_connections = local.function_connections
    reserved_concurrency = local.lambda_reserved_concurrency
    rds_proxy            = var.enable_rds_proxy
  }
}

output "jwks_secret_arn" {
  description = "ARN of the secret holding the user pool's JWKS (JWT_JWKS_SECRET_ARN), kept by the jwks-refresh function."
  value       = aws_secretsmanager_secret.jwks.arn
}
