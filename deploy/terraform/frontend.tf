# Optional front-end hosting: a private S3 bucket served by CloudFront through origin access control.

locals {
  frontend_custom_cert = var.frontend_certificate_arn != null && length(var.frontend_domain_names) > 0
}

resource "aws_s3_bucket" "frontend" {
  #checkov:skip=CKV_AWS_18:Access logging is left out for cost; CloudFront serves every request.
  #checkov:skip=CKV_AWS_21:The bucket holds build output that the deploy step syncs again; versioning adds cost only.
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of scope: the content is rebuilt from source.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256): CloudFront OAC reads SSE-KMS only with extra key policy; no secret is stored.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events.
  #checkov:skip=CKV2_AWS_61:Build output is replaced on each deploy; there is nothing to expire or tier.
  count = var.enable_frontend ? 1 : 0

  bucket        = "${local.name}-frontend-${local.account_id}"
  force_destroy = true

  tags = { Name = "${local.name}-frontend" }
}

resource "aws_s3_bucket_public_access_block" "frontend" {
  count = var.enable_frontend ? 1 : 0

  bucket = aws_s3_bucket.frontend[0].id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "frontend" {
  count = var.enable_frontend ? 1 : 0

  bucket = aws_s3_bucket.frontend[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "frontend" {
  count = var.enable_frontend ? 1 : 0

  bucket = aws_s3_bucket.frontend[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_cloudfront_origin_access_control" "frontend" {
  count = var.enable_frontend ? 1 : 0

  name                              = "${local.name}-frontend"
  description                       = "CloudFront access to the ${local.name} front-end bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# AWS's managed "SecurityHeadersPolicy" (HSTS, nosniff, frame options, referrer policy): one ID in every account.
locals {
  security_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03"
}

resource "aws_cloudfront_distribution" "frontend" {
  #checkov:skip=CKV_AWS_68:AWS WAF costs at least $5/month per web ACL; the site is static and the API has its own throttling.
  #checkov:skip=CKV2_AWS_47:No WAF (see CKV_AWS_68); nothing on the static origin runs Java.
  #checkov:skip=CKV_AWS_86:Access logging is left out for cost.
  #checkov:skip=CKV_AWS_310:A single S3 origin; a failover origin would need a second bucket and replication.
  #checkov:skip=CKV_AWS_374:Geo restriction is not wanted for a public concert site.
  #checkov:skip=CKV2_AWS_42:The default cloudfront.net certificate is used unless frontend_certificate_arn is set.
  #checkov:skip=CKV2_AWS_32:Uses AWS's managed SecurityHeadersPolicy by ID (local.security_headers_policy_id) instead of a copy of it.
  #checkov:skip=CKV_AWS_174:TLS 1.2_2021 is set whenever a custom certificate is; the default certificate allows no choice.
  count = var.enable_frontend ? 1 : 0

  enabled             = true
  comment             = "${local.name} front end"
  default_root_object = "index.html"
  price_class         = var.frontend_price_class
  aliases             = local.frontend_custom_cert ? var.frontend_domain_names : []
  http_version        = "http2and3"
  is_ipv6_enabled     = true

  origin {
    origin_id                = "frontend-bucket"
    domain_name              = aws_s3_bucket.frontend[0].bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.frontend[0].id
  }

  default_cache_behavior {
    target_origin_id           = "frontend-bucket"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    response_headers_policy_id = local.security_headers_policy_id

    forwarded_values {
      query_string = false

      cookies {
        forward = "none"
      }
    }

    min_ttl     = 0
    default_ttl = 3600
    max_ttl     = 86400
  }

  # Single-page app: unknown paths render index.html.
  custom_error_response {
    error_code         = 403
    response_code      = 200
    response_page_path = "/index.html"
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.frontend_custom_cert
    acm_certificate_arn            = local.frontend_custom_cert ? var.frontend_certificate_arn : null
    ssl_support_method             = local.frontend_custom_cert ? "sni-only" : null
    minimum_protocol_version       = local.frontend_custom_cert ? "TLSv1.2_2021" : "TLSv1"
  }
}

data "aws_iam_policy_document" "frontend_bucket" {
  count = var.enable_frontend ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.deny_insecure_transport["frontend"].json]

  statement {
    sid       = "CloudFrontRead"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.frontend[0].arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.frontend[0].arn]
    }
  }
}

resource "aws_s3_bucket_policy" "frontend" {
  count = var.enable_frontend ? 1 : 0

  bucket = aws_s3_bucket.frontend[0].id
  policy = data.aws_iam_policy_document.frontend_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.frontend]
}
