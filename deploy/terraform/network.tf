# VPC with two private subnets, VPC endpoints instead of a NAT gateway, and the security groups.

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Flow logs are left out to keep the stack cheap; the VPC has no internet path (no IGW, no NAT).
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = local.name }
}

resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-default-deny" }
}

resource "aws_subnet" "private" {
  count = length(local.azs)

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 24 - tonumber(split("/", var.vpc_cidr)[1]), count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = { Name = "${local.name}-private-${local.azs[count.index]}" }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

################################################################################
# VPC endpoints (no NAT: the function reaches AWS APIs through these)
################################################################################

# Only the APIs the service calls: Secrets Manager (database credentials, SECRET_KEY at start)
# and S3 (user files, free gateway endpoint). Lambda ships the function's logs itself, and
# Cognito e-mail (SES) and metrics are sent by AWS services, not from the VPC.
locals {
  interface_endpoints = {
    secretsmanager = "com.amazonaws.${local.region}.secretsmanager"
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = aws_vpc.this.id
  service_name        = each.value
  vpc_endpoint_type   = "Interface"
  subnet_ids          = slice(aws_subnet.private[*].id, 0, var.interface_endpoint_zones)
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = { Name = "${local.name}-${each.key}" }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = { Name = "${local.name}-s3" }
}

################################################################################
# Security groups
################################################################################

resource "aws_security_group" "lambda" {
  name        = "${local.name}-lambda"
  description = "Concert API function: egress to RDS, EFS, Redis and the VPC endpoints only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-lambda" }
}

resource "aws_security_group" "rds" {
  name        = "${local.name}-rds"
  description = "RDS MySQL: port 3306 from the API function"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-rds" }
}

resource "aws_security_group" "efs" {
  name        = "${local.name}-efs"
  description = "EFS pictures: NFS 2049 from the API function"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-efs" }
}

resource "aws_security_group" "redis" {
  name        = "${local.name}-redis"
  description = "ElastiCache Serverless Redis: port 6379 from the API function"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-redis" }
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS 443 from the API function"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-endpoints" }
}

locals {
  lambda_peers = {
    rds       = { port = 3306, sg = aws_security_group.rds.id, what = "MySQL" }
    efs       = { port = 2049, sg = aws_security_group.efs.id, what = "NFS" }
    redis     = { port = 6379, sg = aws_security_group.redis.id, what = "Redis" }
    endpoints = { port = 443, sg = aws_security_group.endpoints.id, what = "HTTPS to VPC endpoints" }
  }
}

resource "aws_vpc_security_group_egress_rule" "lambda" {
  for_each = local.lambda_peers

  security_group_id            = aws_security_group.lambda.id
  description                  = "${each.value.what} to ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.sg

  tags = { Name = "${local.name}-lambda-to-${each.key}" }
}

resource "aws_vpc_security_group_egress_rule" "lambda_s3" {
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id

  tags = { Name = "${local.name}-lambda-to-s3" }
}

resource "aws_vpc_security_group_ingress_rule" "from_lambda" {
  for_each = local.lambda_peers

  security_group_id            = each.value.sg
  description                  = "${each.value.what} from the API function"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.lambda.id

  tags = { Name = "${local.name}-${each.key}-from-lambda" }
}
