# Input variables of the production stack.

################################################################################
# General
################################################################################

variable "project" {
  description = "Project name, first part of every resource name (local.name = project-environment)."
  type        = string
  default     = "concert"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, second part of every resource name (e.g. prod, staging)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region to deploy to. Null uses the region of the CLI profile or AWS_REGION."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "tags" {
  description = "Extra tags added to every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted Secrets Manager secret can be restored (0 deletes it at once)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_cidr" {
  description = "CIDR block of the VPC; the two private subnets take the first two /24 (for a /16) of it."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 24
    error_message = "vpc_cidr must be a valid IPv4 CIDR block of /24 or larger."
  }
}

variable "availability_zones" {
  description = "The two availability zones of the private subnets; empty takes the region's first two."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) == 2
    error_message = "availability_zones must be empty or list exactly two zones."
  }
}

################################################################################
# Database (RDS MySQL)
################################################################################

variable "rds_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t3.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.rds_instance_class))
    error_message = "rds_instance_class must look like db.t3.micro."
  }
}

variable "rds_engine_version" {
  description = "MySQL engine version: major (8.4) or major.minor (8.4.6); the parameter group family follows it. Minor upgrades are automatic. 8.0 is past RDS standard support (paid Extended Support)."
  type        = string
  default     = "8.4"

  validation {
    condition     = can(regex("^(8\\.0|8\\.4|9\\.[0-9]+)(\\.[0-9]+)?$", var.rds_engine_version))
    error_message = "rds_engine_version must be MySQL 8.4 (the default), 8.0 or 9.x, optionally with a minor version such as 8.4.6."
  }
}

variable "rds_allocated_storage_gb" {
  description = "Initial RDS storage in GB."
  type        = number
  default     = 20

  validation {
    condition     = var.rds_allocated_storage_gb >= 20 && var.rds_allocated_storage_gb <= 100
    error_message = "rds_allocated_storage_gb must be between 20 and 100."
  }
}

variable "rds_max_allocated_storage_gb" {
  description = "Upper limit of RDS storage autoscaling in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.rds_max_allocated_storage_gb >= 20 && var.rds_max_allocated_storage_gb <= 65536
    error_message = "rds_max_allocated_storage_gb must be between 20 and 65536."
  }
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "concert"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.db_name))
    error_message = "db_name must start with a letter and hold only letters, digits and underscores (max 64)."
  }
}

variable "db_username" {
  description = "Master user name of the database (its password is generated and kept by RDS in Secrets Manager)."
  type        = string
  default     = "concert_admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.db_username)) && lower(var.db_username) != "admin"
    error_message = "db_username must start with a letter, hold letters, digits or underscores (max 16), and not be 'admin'."
  }
}

variable "rds_backup_retention_days" {
  description = "Days RDS keeps automated backups (0 disables them)."
  type        = number
  default     = 7

  validation {
    condition     = var.rds_backup_retention_days >= 0 && var.rds_backup_retention_days <= 35
    error_message = "rds_backup_retention_days must be between 0 and 35."
  }
}

variable "rds_skip_final_snapshot" {
  description = "Skip the final snapshot when the database is destroyed (true: nothing is kept)."
  type        = bool
  default     = true
}

variable "rds_deletion_protection" {
  description = "Protect the database against deletion; set to false and apply before terraform destroy."
  type        = bool
  default     = true
}

variable "rds_require_tls" {
  description = "Refuse database connections without TLS (require_secure_transport)."
  type        = bool
  default     = true
}

variable "rds_multi_az" {
  description = "Run RDS in Multi-AZ (doubles its cost)."
  type        = bool
  default     = false
}

variable "rds_max_connections" {
  description = "max_connections of the database; null sets 1 per 16 MiB of the instance class's memory (64 on db.t3.micro). The function's reserved concurrency follows it."
  type        = number
  default     = null

  validation {
    condition     = var.rds_max_connections == null || try(var.rds_max_connections >= 20 && var.rds_max_connections <= 16000, false)
    error_message = "rds_max_connections must be null or between 20 and 16000."
  }
}

variable "rds_connection_headroom" {
  description = "Database connections kept out of the function's budget: operators, migrations, RDS itself."
  type        = number
  default     = 10

  validation {
    condition     = var.rds_connection_headroom >= 3 && var.rds_connection_headroom <= 1000
    error_message = "rds_connection_headroom must be between 3 and 1000."
  }
}

variable "enable_rds_proxy" {
  description = "Put RDS Proxy (TLS, the RDS-managed secret) between the function and the database; about $22/month for a 2-vCPU-minimum instance class."
  type        = bool
  default     = false
}

################################################################################
# Cache (ElastiCache Serverless, Valkey by default)
################################################################################

variable "enable_redis" {
  description = "Create an ElastiCache Serverless cache (Redis protocol) and pass REDIS_URL to the function."
  type        = bool
  default     = true
}

variable "cache_engine" {
  description = "Engine of the serverless cache: valkey (100 MB billing minimum, lower rates) or redis (Redis OSS, 1 GB minimum)."
  type        = string
  default     = "valkey"

  validation {
    condition     = contains(["valkey", "redis"], var.cache_engine)
    error_message = "cache_engine must be valkey or redis."
  }
}

variable "cache_major_engine_version" {
  description = "Major engine version of the serverless cache; null takes 8 for valkey and 7 for redis."
  type        = string
  default     = null

  validation {
    condition     = var.cache_major_engine_version == null || can(regex("^[0-9]+$", var.cache_major_engine_version))
    error_message = "cache_major_engine_version must be a major version number such as 8."
  }
}

variable "redis_max_data_storage_gb" {
  description = "Usage cap: maximum data stored in the serverless cache, in GB."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_max_data_storage_gb >= 1 && var.redis_max_data_storage_gb <= 5000
    error_message = "redis_max_data_storage_gb must be between 1 and 5000."
  }
}

variable "redis_max_ecpu_per_second" {
  description = "Usage cap: maximum ElastiCache Processing Units per second of the serverless cache."
  type        = number
  default     = 5000

  validation {
    condition     = var.redis_max_ecpu_per_second >= 1000 && var.redis_max_ecpu_per_second <= 15000000
    error_message = "redis_max_ecpu_per_second must be between 1000 and 15000000."
  }
}

################################################################################
# Storage (S3 media, EFS pictures)
################################################################################

variable "cors_allowed_origins" {
  description = "Front-end origins (https://host) allowed by CORS on the API and the media bucket."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", origin))])
    error_message = "Each entry of cors_allowed_origins must be an https:// origin without path, e.g. https://app.example.com."
  }
}

variable "interface_endpoint_zones" {
  description = "Zones (private subnets, the EFS zone first) that hold an ENI of each interface VPC endpoint; each costs per hour. 1 matches the One Zone file system and single-AZ database."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2], var.interface_endpoint_zones)
    error_message = "interface_endpoint_zones must be 1 or 2."
  }
}

variable "efs_transition_to_ia" {
  description = "Idle time after which EFS moves a picture to Infrequent Access."
  type        = string
  default     = "AFTER_30_DAYS"

  validation {
    condition     = contains(["AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS"], var.efs_transition_to_ia)
    error_message = "efs_transition_to_ia must be one of AFTER_1_DAY, AFTER_7_DAYS, AFTER_14_DAYS, AFTER_30_DAYS, AFTER_60_DAYS, AFTER_90_DAYS, AFTER_180_DAYS, AFTER_270_DAYS, AFTER_365_DAYS."
  }
}

variable "efs_one_zone" {
  description = "EFS One Zone (about half the price; the function then runs in that zone only) instead of regional EFS with a mount target in every private subnet."
  type        = bool
  default     = true
}

variable "efs_enforce_policy" {
  description = "Attach a file system policy to EFS: TLS only, and only the function's role through the access point."
  type        = bool
  default     = true
}

variable "efs_pictures_path" {
  description = "Root directory of the EFS access point the function mounts at /mnt/efs."
  type        = string
  default     = "/pictures"

  validation {
    condition     = can(regex("^/[A-Za-z0-9_./-]+$", var.efs_pictures_path))
    error_message = "efs_pictures_path must be an absolute path such as /pictures."
  }
}

################################################################################
# Container image (ECR) and Lambda
################################################################################

variable "ecr_immutable_tags" {
  description = "Make image tags in the ECR repository immutable (releases then use a new tag each time)."
  type        = bool
  default     = true
}

variable "ecr_force_delete" {
  description = "Let terraform destroy delete the ECR repository even when it still holds images."
  type        = bool
  default     = true
}

variable "ecr_keep_images" {
  description = "Number of images the ECR lifecycle policy keeps (older ones expire)."
  type        = number
  default     = 20

  validation {
    condition     = var.ecr_keep_images >= 1 && var.ecr_keep_images <= 1000
    error_message = "ecr_keep_images must be between 1 and 1000."
  }
}

variable "image_uri" {
  description = "Full URI of the function's image (repo@sha256:digest or repo:tag). Null builds it from the module's ECR repository and image_digest or image_tag."
  type        = string
  default     = null

  validation {
    condition     = var.image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9_.-]{1,128}|@sha256:[a-f0-9]{64})$", var.image_uri))
    error_message = "image_uri must be an ECR image URI ending in :tag or @sha256:digest."
  }
}

variable "image_tag" {
  description = "Tag of the image in the module's ECR repository (used when image_uri and image_digest are null)."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid Docker tag."
  }
}

variable "image_digest" {
  description = "Digest (sha256:...) of the image in the module's ECR repository; wins over image_tag."
  type        = string
  default     = null

  validation {
    condition     = var.image_digest == null || can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must look like sha256:<64 hex characters>."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the image: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_timeout" {
  description = "Function timeout in seconds (API Gateway stops waiting after 30 s; management commands may use more)."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_timeout >= 3 && var.lambda_timeout <= 900
    error_message = "lambda_timeout must be between 3 and 900 seconds."
  }
}

variable "lambda_memory_size" {
  description = "Function memory in MB (CPU scales with it)."
  type        = number
  default     = 1024

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "lambda_memory_size must be between 128 and 10240 MB."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrent executions of the function; null derives them from the database's connection budget (README), -1 reserves none (accounts whose concurrency quota is too small to reserve any)."
  type        = number
  default     = null

  validation {
    condition     = var.lambda_reserved_concurrency == null || try(var.lambda_reserved_concurrency >= -1, false)
    error_message = "lambda_reserved_concurrency must be null, -1 or a number >= 0."
  }
}

variable "log_level" {
  description = "LOG_LEVEL passed to the Django service."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "usage_flush_schedule" {
  description = "EventBridge schedule expression of the usage_flush job."
  type        = string
  default     = "rate(15 minutes)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.usage_flush_schedule))
    error_message = "usage_flush_schedule must be rate(N unit) or cron(...)."
  }
}

variable "purge_schedule" {
  description = "EventBridge schedule expression of the daily clean-ups: stale pending uploads and expired idempotency keys."
  type        = string
  default     = "cron(30 3 * * ? *)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.purge_schedule))
    error_message = "purge_schedule must be rate(N unit) or cron(...)."
  }
}

variable "warmup_schedule" {
  description = "EventBridge schedule expression sending {\"warmup\": true} to keep one instance warm; null disables it."
  type        = string
  default     = null

  validation {
    condition     = var.warmup_schedule == null || can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours)\\)|cron\\(.+\\))$", var.warmup_schedule))
    error_message = "warmup_schedule must be null, rate(N minutes|hours) or cron(...)."
  }
}

################################################################################
# API Gateway
################################################################################

variable "api_throttling_burst_limit" {
  description = "Burst limit (requests) of the API stage."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit >= 1
    error_message = "api_throttling_burst_limit must be at least 1."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state rate limit (requests per second) of the API stage."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit >= 1
    error_message = "api_throttling_rate_limit must be at least 1."
  }
}

variable "api_domain_name" {
  description = "Custom domain of the API (e.g. api.example.com); null keeps only the execute-api URL."
  type        = string
  default     = null

  validation {
    condition     = var.api_domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.api_domain_name))
    error_message = "api_domain_name must be a lowercase DNS name such as api.example.com."
  }
}

variable "api_certificate_arn" {
  description = "ARN of an issued ACM certificate (same region as the API) for api_domain_name; null requests one validated through route53_zone_id."
  type        = string
  default     = null

  validation {
    condition     = var.api_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.api_certificate_arn))
    error_message = "api_certificate_arn must be an ACM certificate ARN."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of api_domain_name: certificate validation and alias records are created in it when set."
  type        = string
  default     = null

  validation {
    condition     = var.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a hosted zone id such as Z0123456789ABCDEFGHIJ."
  }
}

################################################################################
# Cognito
################################################################################

variable "cognito_callback_urls" {
  description = "OAuth callback URLs of the web client (https://, or http://localhost for development)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.cognito_callback_urls : can(regex("^(https://|http://localhost(:[0-9]+)?(/|$))", url))])
    error_message = "cognito_callback_urls must be https:// URLs (http://localhost is allowed)."
  }
}

variable "cognito_logout_urls" {
  description = "Sign-out URLs of the web client."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.cognito_logout_urls : can(regex("^(https://|http://localhost(:[0-9]+)?(/|$))", url))])
    error_message = "cognito_logout_urls must be https:// URLs (http://localhost is allowed)."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito hosted UI domain (<prefix>.auth.<region>.amazoncognito.com); null creates none."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null || can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix))
    error_message = "cognito_domain_prefix must be lowercase letters, digits and hyphens."
  }
}

variable "cognito_mfa_configuration" {
  description = "MFA of the user pool: OFF, OPTIONAL or ON (software tokens)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.cognito_mfa_configuration)
    error_message = "cognito_mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "cognito_ses_source_arn" {
  description = "ARN of a verified SES identity (address or domain) the user pool sends its e-mail through; null keeps Cognito's own sender (50 messages a day)."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_ses_source_arn == null || can(regex("^arn:aws[a-z-]*:ses:[a-z0-9-]+:[0-9]{12}:identity/.+$", var.cognito_ses_source_arn))
    error_message = "cognito_ses_source_arn must be an SES identity ARN (arn:<partition>:ses:<region>:<account>:identity/<address or domain>)."
  }
}

variable "cognito_ses_from_address" {
  description = "From address of Cognito's e-mail through SES, e.g. \"Concert <no-reply@example.com>\" (must belong to the SES identity); null uses the identity's address."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_ses_from_address == null || can(regex("@[^@\\s>]+\\.[^@\\s>]+>?$", var.cognito_ses_from_address))
    error_message = "cognito_ses_from_address must be an e-mail address, optionally as \"Name <address>\"."
  }
}

variable "cognito_ses_reply_to" {
  description = "Reply-To address of Cognito's e-mail through SES; null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_ses_reply_to == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.cognito_ses_reply_to))
    error_message = "cognito_ses_reply_to must be an e-mail address."
  }
}

variable "cognito_ses_configuration_set" {
  description = "SES configuration set applied to Cognito's e-mail (event publishing, reputation metrics); null uses none."
  type        = string
  default     = null
}

variable "jwks_refresh_schedule" {
  description = "EventBridge schedule of the function (outside the VPC) that copies the user pool's JWKS into the secret the API function reads."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.jwks_refresh_schedule))
    error_message = "jwks_refresh_schedule must be rate(N unit) or cron(...)."
  }
}

variable "jwks_refresh_on_apply" {
  description = "Invoke the JWKS refresh function during apply, so the keys are in place before the first request."
  type        = bool
  default     = true
}

variable "cognito_deletion_protection" {
  description = "Protect the user pool against deletion; set to false and apply before terraform destroy."
  type        = bool
  default     = true
}

################################################################################
# Monitoring and cost
################################################################################

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (alarms, budget, cost anomalies); null subscribes nobody."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "lambda_errors_threshold" {
  description = "Function errors in 5 minutes that raise the alarm."
  type        = number
  default     = 5

  validation {
    condition     = var.lambda_errors_threshold >= 1
    error_message = "lambda_errors_threshold must be at least 1."
  }
}

variable "api_5xx_threshold" {
  description = "API 5XX responses in 5 minutes that raise the alarm."
  type        = number
  default     = 5

  validation {
    condition     = var.api_5xx_threshold >= 1
    error_message = "api_5xx_threshold must be at least 1."
  }
}

variable "rds_cpu_threshold" {
  description = "Average RDS CPU percentage over 15 minutes that raises the alarm."
  type        = number
  default     = 80

  validation {
    condition     = var.rds_cpu_threshold > 0 && var.rds_cpu_threshold <= 100
    error_message = "rds_cpu_threshold must be between 1 and 100."
  }
}

variable "enable_budget" {
  description = "Create a monthly AWS Budgets cost alarm."
  type        = bool
  default     = true
}

variable "budget_limit_usd" {
  description = "Monthly budget in USD; alerts at 80 % actual and 100 % forecast."
  type        = number
  default     = 50

  validation {
    condition     = var.budget_limit_usd > 0
    error_message = "budget_limit_usd must be positive."
  }
}

variable "enable_cost_anomaly" {
  description = "Create Cost Anomaly Detection (a service monitor and an alert subscription)."
  type        = bool
  default     = true
}

variable "cost_anomaly_monitor_arn" {
  description = "ARN of an existing cost anomaly monitor to subscribe to (an account holds one SERVICE monitor); null creates one."
  type        = string
  default     = null

  validation {
    condition     = var.cost_anomaly_monitor_arn == null || can(regex("^arn:aws[a-z-]*:ce::[0-9]{12}:anomalymonitor/.+$", var.cost_anomaly_monitor_arn))
    error_message = "cost_anomaly_monitor_arn must be a Cost Explorer anomaly monitor ARN."
  }
}

variable "cost_anomaly_threshold_usd" {
  description = "Total impact in USD above which a cost anomaly is reported."
  type        = number
  default     = 10

  validation {
    condition     = var.cost_anomaly_threshold_usd > 0
    error_message = "cost_anomaly_threshold_usd must be positive."
  }
}

################################################################################
# Front-end hosting (S3 + CloudFront)
################################################################################

variable "enable_frontend" {
  description = "Host a static front end in a private S3 bucket behind CloudFront (origin access control)."
  type        = bool
  default     = false
}

variable "frontend_domain_names" {
  description = "Aliases of the CloudFront distribution (needs frontend_certificate_arn); empty uses the cloudfront.net name."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.frontend_domain_names : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", name))])
    error_message = "frontend_domain_names must be lowercase DNS names."
  }
}

variable "frontend_certificate_arn" {
  description = "ARN of an ACM certificate in us-east-1 covering frontend_domain_names (CloudFront requires that region)."
  type        = string
  default     = null

  validation {
    condition     = var.frontend_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.frontend_certificate_arn))
    error_message = "frontend_certificate_arn must be an ACM certificate ARN in us-east-1."
  }
}

variable "frontend_price_class" {
  description = "CloudFront price class of the front-end distribution."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.frontend_price_class)
    error_message = "frontend_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}
