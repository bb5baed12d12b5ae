# S3 media bucket for user files and pictures on their way in (private, encrypted, TLS-only,
# Intelligent-Tiering). Browsers post to it with presigned POST forms the function signs.

locals {
  # Where presigned POST forms put pictures and files (apps.core.storage.UPLOADS_PREFIX):
  # read, then copied or re-encoded, and deleted by the function; what is left behind
  # expires. No form writes anywhere else.
  uploads_prefix = "uploads/"
  # User files once complete (apps.files.services.FILES_PREFIX), copied from their uploads.
  files_prefix = "files/"
}

resource "aws_s3_bucket" "media" {
  #checkov:skip=CKV_AWS_18:Access logging is left out for cost; the service records downloads itself.
  #checkov:skip=CKV_AWS_21:Versioning is off by design: files are immutable objects and deletes must free storage.
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of scope for a single-region, cost-capped stack.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) with AWS-managed keys: no KMS request charges, no key policy to run.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events; uploads are registered through the API.
  bucket        = "${local.name}-media-${local.account_id}"
  force_destroy = true

  tags = { Name = "${local.name}-media" }
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket = aws_s3_bucket.media.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    id     = "intelligent-tiering"
    status = "Enabled"

    filter {}

    transition {
      days          = 0
      storage_class = "INTELLIGENT_TIERING"
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Uploads abandoned (never taken or completed), posted again after they were, or whose
  # delete failed, go after a day (S3 rounds to the next midnight UTC); the daily
  # picture_uploads_purge and files_purge_pending delete their records too.
  rule {
    id     = "expire-uploads"
    status = "Enabled"

    filter {
      prefix = local.uploads_prefix
    }

    expiration {
      days = 1
    }
  }
}

resource "aws_s3_bucket_cors_configuration" "media" {
  count = length(var.cors_allowed_origins) > 0 ? 1 : 0

  bucket = aws_s3_bucket.media.id

  cors_rule {
    allowed_origins = var.cors_allowed_origins
    allowed_methods = ["GET", "HEAD", "PUT", "POST"]
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = local.cors.max_age_seconds
  }
}

# Every bucket of the stack refuses plain-HTTP requests.
data "aws_iam_policy_document" "deny_insecure_transport" {
  for_each = local.bucket_arns

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value, "${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

locals {
  bucket_arns = merge(
    { media = aws_s3_bucket.media.arn },
    var.enable_frontend ? { frontend = aws_s3_bucket.frontend[0].arn } : {},
  )
}

resource "aws_s3_bucket_policy" "media" {
  bucket = aws_s3_bucket.media.id
  policy = data.aws_iam_policy_document.deny_insecure_transport["media"].json

  depends_on = [aws_s3_bucket_public_access_block.media]
}
