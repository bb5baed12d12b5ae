# ECR repository of the function's container image.

resource "aws_ecr_repository" "this" {
  #checkov:skip=CKV_AWS_136:Encrypted with AES-256 by ECR; a customer KMS key adds cost without a reader to restrict.
  name                 = "${local.name}-api"
  image_tag_mutability = var.ecr_immutable_tags ? "IMMUTABLE" : "MUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.ecr_keep_images} images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

locals {
  image_uri = coalesce(
    var.image_uri,
    var.image_digest == null ? "${aws_ecr_repository.this.repository_url}:${var.image_tag}" : "${aws_ecr_repository.this.repository_url}@${var.image_digest}",
  )
}
