# EventBridge schedules invoking the function's live alias: the maintenance jobs (allowed
# management commands) and the optional warm-up; the dead-letter queue of jobs that keep failing.

# A failing job ends its invocation in an error: Lambda retries it twice, then sends the event
# here (the function's dead_letter_config); EventBridge sends here what it could not deliver.
resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "${local.name}-jobs-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "jobs_dlq" {
  statement {
    sid       = "EventBridgeUndeliveredJobs"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = concat([for rule in aws_cloudwatch_event_rule.maintenance : rule.arn], aws_cloudwatch_event_rule.warmup[*].arn)
    }
  }
}

resource "aws_sqs_queue_policy" "jobs_dlq" {
  queue_url = aws_sqs_queue.jobs_dlq.id
  policy    = data.aws_iam_policy_document.jobs_dlq.json
}

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
    picture-uploads-purge = {
      command     = ["picture_uploads_purge", "--hours", "24"]
      schedule    = var.purge_schedule
      description = "Deletes picture uploads older than a day, S3 objects included"
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
  arn   = aws_lambda_alias.live.arn
  input = jsonencode({ manage = each.value.command })

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }

  dead_letter_config {
    arn = aws_sqs_queue.jobs_dlq.arn
  }
}

resource "aws_lambda_permission" "maintenance" {
  for_each = local.maintenance_jobs

  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.live.name
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
  arn   = aws_lambda_alias.live.arn
  input = jsonencode({ warmup = true })
}

resource "aws_lambda_permission" "warmup" {
  count = var.warmup_schedule == null ? 0 : 1

  statement_id  = "AllowEventBridgeWarmup"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.warmup[0].arn
}
