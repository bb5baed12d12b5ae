# EFS for event and avatar pictures, mounted by the function through an access point.
#
# Lambda refuses a file system that lacks a mount target in any zone the function runs in.
# One Zone EFS (efs_one_zone, the default: about half the price) has one mount target, so the
# function runs in that zone's subnet only; regional EFS has a mount target in every private
# subnet and the function runs in all of them (it survives the loss of a zone).

locals {
  efs_zones = var.efs_one_zone ? 1 : length(aws_subnet.private)
  # The function's subnets: exactly those with a mount target.
  function_subnet_ids = slice(aws_subnet.private[*].id, 0, local.efs_zones)
}

resource "aws_efs_file_system" "this" {
  #checkov:skip=CKV_AWS_184:Encrypted with the AWS-managed aws/elasticfilesystem key; no customer key to run.
  #checkov:skip=CKV2_AWS_18:AWS Backup is left out for cost; pictures can be uploaded again.
  creation_token         = local.name
  availability_zone_name = var.efs_one_zone ? local.azs[0] : null
  encrypted              = true
  performance_mode       = "generalPurpose"
  throughput_mode        = "bursting"

  lifecycle_policy {
    transition_to_ia = var.efs_transition_to_ia
  }

  lifecycle_policy {
    transition_to_primary_storage_class = "AFTER_1_ACCESS"
  }

  tags = { Name = "${local.name}-pictures" }
}

# One mount target in each of the function's subnets (One Zone: the file system's zone only).
resource "aws_efs_mount_target" "this" {
  count = local.efs_zones

  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = [aws_security_group.efs.id]
}

moved {
  from = aws_efs_mount_target.this
  to   = aws_efs_mount_target.this[0]
}

resource "aws_efs_access_point" "pictures" {
  file_system_id = aws_efs_file_system.this.id

  posix_user {
    uid = 1000
    gid = 1000
  }

  root_directory {
    path = var.efs_pictures_path

    creation_info {
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "755"
    }
  }

  tags = { Name = "${local.name}-pictures" }
}

data "aws_iam_policy_document" "efs" {
  count = var.efs_enforce_policy ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.this.arn]

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

  statement {
    sid       = "FunctionThroughAccessPoint"
    effect    = "Allow"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.this.arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.lambda.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.pictures.arn]
    }
  }
}

# TLS only, and only the function's role through the access point.
resource "aws_efs_file_system_policy" "this" {
  count = var.efs_enforce_policy ? 1 : 0

  file_system_id = aws_efs_file_system.this.id
  policy         = data.aws_iam_policy_document.efs[0].json
}
