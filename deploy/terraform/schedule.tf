# EventBridge schedules invoking the function directly: usage_flush and the optional warm-up.

resource "aws_cloudwatch_event_rule" "usage_flush" {
  name                = "${local.name}-usage-flush"
  description         = "Runs manage.py usage_flush in the API function"
  schedule_expression = var.usage_flush_schedule
}

resource "aws_cloudwatch_event_target" "usage_flush" {
  rule  = aws_cloudwatch_event_rule.usage_flush.name
  arn   = aws_lambda_function.api.arn
  input = jsonencode({ manage = ["usage_flush"] })
}

resource "aws_lambda_permission" "usage_flush" {
  statement_id  = "AllowEventBridgeUsageFlush"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.usage_flush.arn
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
