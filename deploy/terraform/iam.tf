# Execution role of the API function: only the calls the service makes.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${local.name}-api"
  description        = "Execution role of the ${local.name} API function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

locals {
  ec2_arn_prefix = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:*"]
  }

  # Describe calls have no resource-level permissions; AWS requires "*" for them.
  statement {
    sid       = "VpcDescribe"
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    resources = ["*"]
  }

  statement {
    sid     = "VpcCreateInterface"
    actions = ["ec2:CreateNetworkInterface"]
    resources = concat(
      ["${local.ec2_arn_prefix}:network-interface/*", "${local.ec2_arn_prefix}:security-group/${aws_security_group.lambda.id}"],
      [for subnet in aws_subnet.private : subnet.arn],
    )
  }

  statement {
    sid       = "VpcManageInterfaces"
    actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
    resources = ["${local.ec2_arn_prefix}:network-interface/*"]
  }

  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs_dlq.arn]
  }

  statement {
    sid     = "ReadSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_db_instance.this.master_user_secret[0].secret_arn,
      aws_secretsmanager_secret.django_secret_key.arn,
      aws_secretsmanager_secret.jwks.arn,
    ]
  }

  # User files once complete: copied in from their uploads (CopyObject, or past 128 MiB a
  # multipart upload of UploadPartCopy parts, all authorized by s3:PutObject on the target
  # and s3:GetObject on the source; a failed one aborted), checked, downloaded through URLs
  # the function presigns, deleted. No form targets this prefix. HeadObject is authorized by
  # s3:GetObject.
  statement {
    sid       = "UserFiles"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.media.arn}/${local.files_prefix}*"]
  }

  # Uploads of pictures and files, read (checks, the copy's source) and deleted. A presigned
  # POST acts with the permissions of whoever signed it (the function), so the function needs
  # s3:PutObject where it lets browsers upload: https://docs.aws.amazon.com/AmazonS3/latest/
  # userguide/using-presigned-url.html. Only under the uploads prefix.
  statement {
    sid       = "Uploads"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.media.arn}/${local.uploads_prefix}*"]
  }

  statement {
    sid       = "PicturesFileSystem"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.this.arn]

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.pictures.arn]
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "${local.name}-api"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}
