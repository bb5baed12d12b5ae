# ElastiCache Serverless (Valkey by default, Redis OSS selectable) with usage caps (optional: enable_redis).

locals {
  cache_engine_versions = { valkey = "8", redis = "7" }
}

resource "aws_elasticache_serverless_cache" "this" {
  count = var.enable_redis ? 1 : 0

  name                 = local.name
  description          = "Cache and counters of ${local.name}"
  engine               = var.cache_engine
  major_engine_version = coalesce(var.cache_major_engine_version, local.cache_engine_versions[var.cache_engine])
  security_group_ids   = [aws_security_group.redis.id]
  subnet_ids           = aws_subnet.private[*].id

  cache_usage_limits {
    data_storage {
      maximum = var.redis_max_data_storage_gb
      unit    = "GB"
    }

    ecpu_per_second {
      maximum = var.redis_max_ecpu_per_second
    }
  }

  snapshot_retention_limit = 1
  daily_snapshot_time      = "03:00"
}

locals {
  redis_endpoint = try(aws_elasticache_serverless_cache.this[0].endpoint[0].address, null)
  redis_url      = local.redis_endpoint == null ? null : "rediss://${local.redis_endpoint}:6379/0"
}
