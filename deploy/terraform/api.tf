# API Gateway HTTP API: Lambda integrations, Cognito JWT authorizer, routes, stage and custom domain.

resource "aws_apigatewayv2_api" "this" {
  name          = local.name
  description   = "Concert API of ${local.name}"
  protocol_type = "HTTP"

  # API Gateway answers preflights itself and replaces the function's CORS headers, so its
  # policy is the service's own: concert/cors.json, which the Django settings read as well.
  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [local.cors] : []

    content {
      allow_origins     = var.cors_allowed_origins
      allow_methods     = cors_configuration.value.allow_methods
      allow_headers     = cors_configuration.value.allow_headers
      expose_headers    = cors_configuration.value.expose_headers
      allow_credentials = false
      max_age           = cors_configuration.value.max_age_seconds
    }
  }
}

locals {
  cors = jsondecode(file("${path.module}/../../concert/cors.json"))
}

# One Lambda integration for every route: partner paths reach the service unchanged, and it
# serves them itself (the same locally and in AWS).
locals {
  integrations = {
    django = { description = "Django service", request_parameters = null }
  }
}

resource "aws_apigatewayv2_integration" "this" {
  for_each = local.integrations

  api_id                 = aws_apigatewayv2_api.this.id
  description            = each.value.description
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_alias.live.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
  request_parameters     = each.value.request_parameters
}

resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "${local.name}-cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    audience = local.cognito_client_ids
    issuer   = "https://${aws_cognito_user_pool.this.endpoint}"
  }
}

# API Gateway picks the most specific route: an exact path, then the longest greedy
# {proxy+} prefix (a method before ANY), $default last. The JWT routes turn away a request
# without a valid token before it costs an invocation; the others pass everything on and the
# service checks what the request carries (bearer token, license key) itself.
# tests/deploy/test_routes.py walks every operation of the service's OpenAPI schema through
# these routes and fails when an operation's callers would be refused or not routed.
locals {
  public_routes = toset([
    # Health, schema and docs, the admin (its own login), pictures, static files; unknown
    # paths get Django's 404 in the error envelope.
    "$default",
    "GET /",
    # Public reads: anonymous, or with a token the service verifies (organizers' drafts).
    "GET /api/v1/events",
    "GET /api/v1/events/{proxy+}",
    "GET /api/v1/venues",
    "GET /api/v1/venues/{proxy+}",
    "GET /api/v1/artists",
    "GET /api/v1/artists/{proxy+}",
    # Signed links of local file storage (the signature is the credential).
    "POST /api/v1/files/upload",
    "GET /api/v1/files/download",
  ])
}

resource "aws_apigatewayv2_route" "public" {
  #checkov:skip=CKV_AWS_309:Public by design: the index, health, schema, public listings (tokens verified by the service), signed links, media, static files and the Django admin (own login).
  for_each = local.public_routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.this["django"].id}"
}

resource "aws_apigatewayv2_route" "protected" {
  api_id               = aws_apigatewayv2_api.this.id
  route_key            = "ANY /api/v1/{proxy+}"
  authorization_type   = "JWT"
  authorizer_id        = aws_apigatewayv2_authorizer.cognito.id
  authorization_scopes = []
  target               = "integrations/${aws_apigatewayv2_integration.this["django"].id}"
}

resource "aws_apigatewayv2_route" "partner" {
  #checkov:skip=CKV_AWS_309:Partners authenticate with a license key (X-Api-Key) that the service verifies against its hashed keys.
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "ANY /partner/v1/{proxy+}"
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.this["django"].id}"
}

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch's own encryption; no customer KMS key to run.
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default) to cap cost.
  name              = "${local.name}-api-execution"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      userAgent          = "$context.identity.userAgent"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.api_throttling_burst_limit
    throttling_rate_limit    = var.api_throttling_rate_limit
    detailed_metrics_enabled = false
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}

################################################################################
# Custom domain (optional: api_domain_name)
################################################################################

locals {
  custom_domain      = var.api_domain_name != null
  request_api_cert   = local.custom_domain && var.api_certificate_arn == null
  api_certificate_id = local.request_api_cert ? try(aws_acm_certificate_validation.api[0].certificate_arn, null) : var.api_certificate_arn
}

resource "aws_acm_certificate" "api" {
  count = local.request_api_cert ? 1 : 0

  domain_name       = var.api_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.route53_zone_id != null
      error_message = "A custom API domain needs either api_certificate_arn (an issued certificate) or route53_zone_id (to validate a new one)."
    }
  }
}

# Keyed by the domain name from the configuration: the certificate's validation options are
# unknown until it exists, and for_each keys must be known when planning.
resource "aws_route53_record" "api_validation" {
  for_each = local.request_api_cert ? toset([var.api_domain_name]) : toset([])

  zone_id         = var.route53_zone_id
  name            = local.api_validation[each.key].resource_record_name
  type            = local.api_validation[each.key].resource_record_type
  records         = [local.api_validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

locals {
  api_validation = {
    for option in try(aws_acm_certificate.api[0].domain_validation_options, []) : option.domain_name => option
  }
}

resource "aws_acm_certificate_validation" "api" {
  count = local.request_api_cert ? 1 : 0

  certificate_arn         = aws_acm_certificate.api[0].arn
  validation_record_fqdns = [for record in aws_route53_record.api_validation : record.fqdn]
}

resource "aws_apigatewayv2_domain_name" "this" {
  count = local.custom_domain ? 1 : 0

  domain_name = var.api_domain_name

  domain_name_configuration {
    certificate_arn = local.api_certificate_id
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = local.custom_domain ? 1 : 0

  api_id      = aws_apigatewayv2_api.this.id
  domain_name = aws_apigatewayv2_domain_name.this[0].id
  stage       = aws_apigatewayv2_stage.this.id
}

resource "aws_route53_record" "api" {
  for_each = local.custom_domain && var.route53_zone_id != null ? toset(["A", "AAAA"]) : toset([])

  zone_id = var.route53_zone_id
  name    = var.api_domain_name
  type    = each.value

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
