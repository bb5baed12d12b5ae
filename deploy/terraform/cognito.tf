# Cognito user pool, role groups and the web and API/native app clients.

locals {
  cognito_ses = var.cognito_ses_source_arn != null
}

resource "aws_cognito_user_pool" "this" {
  name                     = local.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = var.cognito_mfa_configuration
  deletion_protection      = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"

  dynamic "software_token_mfa_configuration" {
    for_each = var.cognito_mfa_configuration == "OFF" ? [] : [1]

    content {
      enabled = true
    }
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  username_configuration {
    case_sensitive = false
  }

  # Cognito's own sender allows 50 messages a day; with a verified SES identity it sends
  # through SES (the identity's sending limits and $0.10 per 1,000 messages).
  email_configuration {
    email_sending_account  = local.cognito_ses ? "DEVELOPER" : "COGNITO_DEFAULT"
    source_arn             = var.cognito_ses_source_arn
    from_email_address     = local.cognito_ses ? var.cognito_ses_from_address : null
    reply_to_email_address = local.cognito_ses ? var.cognito_ses_reply_to : null
    configuration_set      = local.cognito_ses ? var.cognito_ses_configuration_set : null
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
  }
}

resource "aws_cognito_user_group" "this" {
  for_each = {
    organizer = { precedence = 30, description = "Publishes events and sells tickets" }
    staff     = { precedence = 20, description = "Checks tickets in and helps customers" }
    admin     = { precedence = 10, description = "Operates the platform" }
  }

  user_pool_id = aws_cognito_user_pool.this.id
  name         = each.key
  description  = each.value.description
  precedence   = each.value.precedence
}

resource "aws_cognito_user_pool_domain" "this" {
  count = var.cognito_domain_prefix == null ? 0 : 1

  user_pool_id = aws_cognito_user_pool.this.id
  domain       = var.cognito_domain_prefix
}

locals {
  web_oauth = length(var.cognito_callback_urls) > 0

  # web: the browser front end, hosted UI when callbacks are set; api: API and native apps.
  app_clients = {
    web = { oauth = local.web_oauth, callback_urls = var.cognito_callback_urls, logout_urls = var.cognito_logout_urls }
    api = { oauth = false, callback_urls = [], logout_urls = [] }
  }
}

# Public clients (no secret): SRP sign-in and refresh tokens.
resource "aws_cognito_user_pool_client" "this" {
  for_each = local.app_clients

  name            = "${local.name}-${each.key}"
  user_pool_id    = aws_cognito_user_pool.this.id
  generate_secret = false

  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  supported_identity_providers  = ["COGNITO"]

  allowed_oauth_flows_user_pool_client = each.value.oauth
  allowed_oauth_flows                  = each.value.oauth ? ["code"] : []
  allowed_oauth_scopes                 = each.value.oauth ? ["openid", "email", "profile"] : []
  callback_urls                        = each.value.callback_urls
  logout_urls                          = each.value.logout_urls

  access_token_validity  = 60
  id_token_validity      = 60
  refresh_token_validity = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

locals {
  cognito_client_ids = [for key in ["web", "api"] : aws_cognito_user_pool_client.this[key].id]
}
