# Optional RDS Proxy (enable_rds_proxy) between the function and the database: TLS only,
# authenticating with the RDS-managed secret, its pool capped at the function's share of the
# connection budget (database.tf). DB_HOST then names the proxy.
#
# Pinning (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html):
# on connect Django's MySQL backend sets the character set (SET NAMES), autocommit,
# sql_mode (init_command) and SET SESSION TRANSACTION ISOLATION LEVEL, one statement each;
# all are variables the proxy tracks at session scope, so they do not pin and no session
# pinning filter is needed. EXCLUDE_VARIABLE_SETS would make the proxy ignore every SET, the
# untracked ones too, and silently drop session state: it stays off. The service uses no
# table locks, GET_LOCK, temporary tables, server-side prepared statements or executable
# comments (tests/core/test_db_connections.py); a statement over 16 KB still pins its
# session until the function drops the connection (DB_CONN_MAX_AGE, 60 s).

locals {
  db_host = var.enable_rds_proxy ? aws_db_proxy.this[0].endpoint : aws_db_instance.this.address
}

data "aws_iam_policy_document" "rds_proxy_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "rds_proxy" {
  count = var.enable_rds_proxy ? 1 : 0

  name               = "${local.name}-rds-proxy"
  description        = "Lets RDS Proxy of ${local.name} read the database credentials"
  assume_role_policy = data.aws_iam_policy_document.rds_proxy_assume.json
}

data "aws_iam_policy_document" "rds_proxy" {
  statement {
    sid       = "DatabaseCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_db_instance.this.master_user_secret[0].secret_arn]
  }
}

resource "aws_iam_role_policy" "rds_proxy" {
  count = var.enable_rds_proxy ? 1 : 0

  name   = "${local.name}-rds-proxy"
  role   = aws_iam_role.rds_proxy[0].id
  policy = data.aws_iam_policy_document.rds_proxy.json
}

resource "aws_security_group" "rds_proxy" {
  #checkov:skip=CKV2_AWS_5:Attached to aws_db_proxy.this through vpc_security_group_ids; the check does not follow count-indexed references.
  count = var.enable_rds_proxy ? 1 : 0

  name        = "${local.name}-rds-proxy"
  description = "RDS Proxy: MySQL 3306 from the API function, to the database"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-rds-proxy" }
}

locals {
  # Both ends of every proxy hop: function -> proxy -> database, MySQL over TLS.
  rds_proxy_hops = var.enable_rds_proxy ? {
    lambda-to-proxy = { from = aws_security_group.lambda.id, to = aws_security_group.rds_proxy[0].id }
    proxy-to-rds    = { from = aws_security_group.rds_proxy[0].id, to = aws_security_group.rds.id }
  } : {}
}

resource "aws_vpc_security_group_egress_rule" "rds_proxy" {
  for_each = local.rds_proxy_hops

  security_group_id            = each.value.from
  description                  = "MySQL ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = each.value.to

  tags = { Name = "${local.name}-${each.key}" }
}

resource "aws_vpc_security_group_ingress_rule" "rds_proxy" {
  for_each = local.rds_proxy_hops

  security_group_id            = each.value.to
  description                  = "MySQL ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = each.value.from

  tags = { Name = "${local.name}-${each.key}" }
}

resource "aws_db_proxy" "this" {
  count = var.enable_rds_proxy ? 1 : 0

  name                   = "${local.name}-db"
  engine_family          = "MYSQL"
  role_arn               = aws_iam_role.rds_proxy[0].arn
  vpc_subnet_ids         = aws_subnet.private[*].id
  vpc_security_group_ids = [aws_security_group.rds_proxy[0].id]
  require_tls            = true
  # Client connections of frozen function instances go after 5 idle minutes.
  idle_client_timeout = 300
  debug_logging       = false

  auth {
    auth_scheme = "SECRETS"
    description = "RDS-managed master credentials"
    iam_auth    = "DISABLED"
    secret_arn  = aws_db_instance.this.master_user_secret[0].secret_arn
  }

  depends_on = [aws_iam_role_policy.rds_proxy]
}

resource "aws_db_proxy_default_target_group" "this" {
  count = var.enable_rds_proxy ? 1 : 0

  db_proxy_name = aws_db_proxy.this[0].name

  connection_pool_config {
    # The function's share of max_connections; the rest is the operators' headroom.
    max_connections_percent      = floor(100 * local.function_connections / local.rds_max_connections)
    max_idle_connections_percent = 50
    # A request waits at most this long for a database connection (503 after).
    connection_borrow_timeout = 5
    session_pinning_filters   = []
  }
}

resource "aws_db_proxy_target" "this" {
  count = var.enable_rds_proxy ? 1 : 0

  db_proxy_name          = aws_db_proxy.this[0].name
  target_group_name      = aws_db_proxy_default_target_group.this[0].name
  db_instance_identifier = aws_db_instance.this.identifier
}
