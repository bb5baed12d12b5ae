# EventBridge schedules invoking the function directly: the maintenance jobs (allowed
# management commands) and the optional warm-up.

locals {
  maintenance_jobs = {
    usage-flush = {
      command     = ["usage_flush"]
      schedule    = var.usage_flush_schedule
      description = "Moves the day's usage counters from Redis to the database"
    }
    files-purge-pending = {
      command     = ["files_purge_pending", "--hours", "24"]
      schedule    = var.purge_schedule
      description = "Deletes file uploads left pending for a day, S3 objects included"
    }
    idempotency-keys-purge = {
      command     = ["idempotency_keys_purge"]
      schedule    = var.purge_schedule
      description = "Deletes order idempotency keys past their time to live"
    }
  }
}

resource "aws_cloudwatch_event_rule" "maintenance" {
  for_each = local.maintenance_jobs

  name                = "${local.name}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule
}

resource "aws_cloudwatch_event_target" "maintenance" {
  for_each = local.maintenance_jobs

  rule  = aws_cloudwatch_event_rule.maintenance[each.key].name
  arn   = aws_lambda_function.api.arn
  input = jsonencode({ manage = each.value.command })
}

resource "aws_lambda_permission" "maintenance" {
  for_each = local.maintenance_jobs

  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.maintenance[each.key].arn
}

# Stacks made before the jobs map keep their usage_flush schedule.
moved {
  from = aws_cloudwatch_event_rule.usage_flush
  to   = aws_cloudwatch_event_rule.maintenance["usage-flush"]
}

moved {
  from = aws_cloudwatch_event_target.usage_flush
  to   = aws_cloudwatch_event_target.maintenance["usage-flush"]
}

moved {
  from = aws_lambda_permission.usage_flush
  to   = aws_lambda_permission.maintenance["usage-flush"]
}

resource "aws_cloudwatch_event_rule" "warmup" {
  count = var.warmup_schedule == null ? 0 : 1

  name                = "${local.name}-warmup"
  description         = "Keeps one instance of the API function warm"
  schedule_expression = var.warmup_schedule
}

resource "aws_cloudwatch_event_target" "warmup" {
  count = var.warmup_schedule == null ? 0 : 1

  rule  = aws_cloudwatch_event_rule.warmup[0].name
  arn   = aws_lambda_function.api.arn
  input = jsonencode({ warmup = true })
}

resource "aws_lambda_permission" "warmup" {
  count = var.warmup_schedule == null ? 0 : 1

  statement_id  = "AllowEventBridgeWarmup"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.warmup[0].arn
}
