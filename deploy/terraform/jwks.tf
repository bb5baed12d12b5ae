# The user pool's signing keys for the API function, which has no route to the internet.
#
# Routes without the JWT authorizer (public reads, partner paths) bring no claims: there the
# service verifies a bearer token itself and needs the pool's JWKS. A small function outside
# the VPC (the same image, handler concert.jwks.refresh_handler) fetches it from the pool's
# /.well-known/jwks.json and writes it to a secret when it changed: at apply and on
# jwks_refresh_schedule. The API function reads the secret through the Secrets Manager
# endpoint and reloads it when a token names an unknown key, so a key Cognito rotates in is
# picked up within the schedule's period. (Cognito's own PrivateLink endpoint does not serve
# a user pool that has a domain, as the hosted UI needs, and would cost an endpoint.)

resource "aws_secretsmanager_secret" "jwks" {
  #checkov:skip=CKV_AWS_149:Holds public keys only; the AWS-managed aws/secretsmanager key is enough.
  #checkov:skip=CKV2_AWS_57:Not a credential: the refresh function rewrites it whenever the user pool's keys change.
  name                    = "${local.name}/cognito-jwks"
  description             = "JWKS of the ${local.name} user pool, copied by the ${local.name}-jwks-refresh function"
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_cloudwatch_log_group" "jwks_refresh" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch's own encryption; no customer KMS key to run.
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default) to cap cost.
  name              = "/aws/lambda/${local.name}-jwks-refresh"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "jwks_refresh" {
  name               = "${local.name}-jwks-refresh"
  description        = "Execution role of the ${local.name} JWKS refresh function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "jwks_refresh" {
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.jwks_refresh.arn}:*"]
  }

  statement {
    sid       = "JwksSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
    resources = [aws_secretsmanager_secret.jwks.arn]
  }
}

resource "aws_iam_role_policy" "jwks_refresh" {
  name   = "${local.name}-jwks-refresh"
  role   = aws_iam_role.jwks_refresh.id
  policy = data.aws_iam_policy_document.jwks_refresh.json
}

resource "aws_lambda_function" "jwks_refresh" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing is not used by the service and would need extra role permissions.
  #checkov:skip=CKV_AWS_115:Runs once an hour and at apply; a reservation would take from the account's pool for nothing.
  #checkov:skip=CKV_AWS_116:A failed refresh runs again on the next schedule; the keys stored before stay valid.
  #checkov:skip=CKV_AWS_117:Outside the VPC on purpose: it needs the internet to read the user pool's JWKS, and reaches nothing else.
  #checkov:skip=CKV_AWS_173:The environment holds no secret, only the issuer URL and a secret's ARN.
  #checkov:skip=CKV_AWS_272:Code signing does not apply to container images; the image is pinned by digest from ECR.
  function_name = "${local.name}-jwks-refresh"
  description   = "Copies the ${local.name} user pool's JWKS into the secret the API function reads"
  role          = aws_iam_role.jwks_refresh.arn
  package_type  = "Image"
  image_uri     = local.image_uri
  architectures = [var.lambda_architecture]
  timeout       = 30
  memory_size   = 256

  image_config {
    command = ["concert.jwks.refresh_handler"]
  }

  environment {
    variables = {
      JWT_ISSUER          = "https://${aws_cognito_user_pool.this.endpoint}"
      JWT_JWKS_SECRET_ARN = aws_secretsmanager_secret.jwks.arn
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.jwks_refresh.name
  }

  depends_on = [aws_iam_role_policy.jwks_refresh]
}

resource "aws_cloudwatch_event_rule" "jwks_refresh" {
  name                = "${local.name}-jwks-refresh"
  description         = "Copies the user pool's JWKS into the secret the API function reads"
  schedule_expression = var.jwks_refresh_schedule
}

resource "aws_cloudwatch_event_target" "jwks_refresh" {
  rule = aws_cloudwatch_event_rule.jwks_refresh.name
  arn  = aws_lambda_function.jwks_refresh.arn
}

resource "aws_lambda_permission" "jwks_refresh" {
  statement_id  = "AllowEventBridgeJwksRefresh"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.jwks_refresh.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.jwks_refresh.arn
}

# The keys are in place before the first request, and again after the pool or image changes.
resource "aws_lambda_invocation" "jwks_refresh" {
  count = var.jwks_refresh_on_apply ? 1 : 0

  function_name = aws_lambda_function.jwks_refresh.function_name
  input         = jsonencode({ source = "terraform" })

  triggers = {
    issuer = aws_lambda_function.jwks_refresh.environment[0].variables.JWT_ISSUER
    image  = aws_lambda_function.jwks_refresh.image_uri
  }
}
