# RDS MySQL (8.4 LTS by default) with its master password kept by RDS in Secrets Manager.

locals {
  # "8.4" or "8.4.6" -> "8.4": the parameter group family and name follow the major version.
  rds_major_version = regex("^[0-9]+\\.[0-9]+", var.rds_engine_version)
  rds_log_exports   = ["error", "slowquery"]
}

resource "aws_db_subnet_group" "this" {
  name        = local.name
  description = "Private subnets of ${local.name}"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "this" {
  name        = "${local.name}-mysql${replace(local.rds_major_version, ".", "")}"
  family      = "mysql${local.rds_major_version}"
  description = "MySQL ${local.rds_major_version} settings of ${local.name}"

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }

  parameter {
    name  = "collation_server"
    value = "utf8mb4_0900_ai_ci"
  }

  # The service connects with TLS (DB OPTIONS ssl_mode REQUIRED); plain connections are refused.
  parameter {
    name  = "require_secure_transport"
    value = var.rds_require_tls ? "1" : "0"
  }

  parameter {
    name  = "slow_query_log"
    value = "1"
  }

  # The connection budget below: set, not left to RDS's memory formula, so that the
  # function's reserved concurrency is computed from the value the server enforces.
  parameter {
    name  = "max_connections"
    value = tostring(local.rds_max_connections)
  }

  # Connections of frozen or reclaimed function instances are closed after 5 idle minutes
  # (MySQL's default is 8 hours); the service reuses a connection for 60 s at most.
  parameter {
    name  = "wait_timeout"
    value = "300"
  }

  parameter {
    name  = "long_query_time"
    value = "2"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# RDS creates these groups on first export, without retention, and leaves them after the
# instance is deleted; made here first, they keep log_retention_days and go with the stack.
resource "aws_cloudwatch_log_group" "rds" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch's own encryption; no customer KMS key to run.
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default) to cap cost.
  for_each = toset(local.rds_log_exports)

  name              = "/aws/rds/instance/${local.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_118:Enhanced monitoring is left out for cost; the basic CloudWatch metrics feed the CPU alarm and the dashboard.
  #checkov:skip=CKV_AWS_157:Multi-AZ doubles the cost of the instance; it is the rds_multi_az variable.
  #checkov:skip=CKV_AWS_161:The service authenticates with the RDS-managed Secrets Manager credentials, not IAM tokens.
  #checkov:skip=CKV_AWS_353:Performance Insights is not available for MySQL on db.t3.micro.
  #checkov:skip=CKV_AWS_354:Performance Insights is not enabled (see CKV_AWS_353).
  #checkov:skip=CKV2_AWS_30:Slow query logging is on and exported; the general query log would log every statement at a cost.
  identifier     = local.name
  engine         = "mysql"
  engine_version = var.rds_engine_version
  instance_class = var.rds_instance_class

  db_name                         = var.db_name
  username                        = var.db_username
  manage_master_user_password     = true
  port                            = 3306
  parameter_group_name            = aws_db_parameter_group.this.name
  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.rds.id]
  publicly_accessible             = false
  multi_az                        = var.rds_multi_az
  enabled_cloudwatch_logs_exports = local.rds_log_exports

  allocated_storage     = var.rds_allocated_storage_gb
  max_allocated_storage = var.rds_max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true

  backup_retention_period     = var.rds_backup_retention_days
  backup_window               = "03:00-04:00"
  maintenance_window          = "sun:04:30-sun:05:30"
  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = true
  copy_tags_to_snapshot       = true
  apply_immediately           = false

  deletion_protection       = var.rds_deletion_protection
  skip_final_snapshot       = var.rds_skip_final_snapshot
  final_snapshot_identifier = var.rds_skip_final_snapshot ? null : "${local.name}-final"

  tags = { Name = local.name }

  depends_on = [aws_cloudwatch_log_group.rds]
}

################################################################################
# Django SECRET_KEY (generated once, never in the state of the function)
################################################################################

data "aws_secretsmanager_random_password" "django_secret_key" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "django_secret_key" {
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed aws/secretsmanager key; a customer key would cost more and add key policy to run.
  #checkov:skip=CKV2_AWS_57:Rotating SECRET_KEY invalidates sessions and signed links; it is rotated by hand (see the README, AWS section).
  name                    = "${local.name}/django-secret-key"
  description             = "Django SECRET_KEY of ${local.name} (plain string)"
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "django_secret_key" {
  secret_id     = aws_secretsmanager_secret.django_secret_key.id
  secret_string = data.aws_secretsmanager_random_password.django_secret_key.random_password

  lifecycle {
    ignore_changes = [secret_string]
  }
}

################################################################################
# Connection budget
################################################################################

# One function instance serves one request at a time and holds one database connection, so
# concurrency is bounded by what the server accepts. RDS's default for MySQL is
# DBInstanceClassMemory/12582880 (about 66 on a 1 GiB db.t3.micro); the stack sets
# max_connections to 1 per 16 MiB of the class's memory (64 on 1 GiB), keeps
# rds_connection_headroom of them for operators, migrations and RDS itself, and reserves the
# rest as the function's concurrency. Behind RDS Proxy an instance holds a database
# connection only while a statement or transaction runs, so twice as many instances share it.
# RDS instance classes carry the memory of the EC2 type of the same name.
data "aws_ec2_instance_type" "rds" {
  instance_type = trimprefix(var.rds_instance_class, "db.")
}

locals {
  rds_max_connections  = coalesce(var.rds_max_connections, floor(data.aws_ec2_instance_type.rds.memory_size / 16))
  function_connections = local.rds_max_connections - var.rds_connection_headroom
  lambda_reserved_concurrency = coalesce(
    var.lambda_reserved_concurrency,
    var.enable_rds_proxy ? 2 * local.function_connections : local.function_connections,
  )
}
