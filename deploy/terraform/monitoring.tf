# Alarm topic, CloudWatch alarms (Lambda errors, API 5XX, failed jobs, RDS CPU) and the overview dashboard.

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key; alerts hold no secrets.
  name = "${local.name}-alarms"
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "AccountOwner"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "AlertServices"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarms = {
    lambda-errors = {
      description = "The API function raised errors"
      namespace   = "AWS/Lambda", metric = "Errors", statistic = "Sum", periods = 1
      dimensions  = { FunctionName = aws_lambda_function.api.function_name }
      threshold   = var.lambda_errors_threshold, operator = "GreaterThanOrEqualToThreshold", missing = "notBreaching"
    }
    api-5xx = {
      description = "The HTTP API answered with 5XX errors"
      namespace   = "AWS/ApiGateway", metric = "5xx", statistic = "Sum", periods = 1
      dimensions  = { ApiId = aws_apigatewayv2_api.this.id }
      threshold   = var.api_5xx_threshold, operator = "GreaterThanOrEqualToThreshold", missing = "notBreaching"
    }
    jobs-dlq = {
      description = "A scheduled job kept failing (or was not delivered): its event is in the dead-letter queue"
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum", periods = 1
      dimensions  = { QueueName = aws_sqs_queue.jobs_dlq.name }
      threshold   = 1, operator = "GreaterThanOrEqualToThreshold", missing = "notBreaching"
    }
    rds-cpu = {
      description = "The database CPU stayed high for 15 minutes"
      namespace   = "AWS/RDS", metric = "CPUUtilization", statistic = "Average", periods = 3
      dimensions  = { DBInstanceIdentifier = aws_db_instance.this.identifier }
      threshold   = var.rds_cpu_threshold, operator = "GreaterThanThreshold", missing = "missing"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = each.value.operator
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

locals {
  api_metric    = ["AWS/ApiGateway", "ApiId", aws_apigatewayv2_api.this.id]
  lambda_metric = ["AWS/Lambda", "FunctionName", aws_lambda_function.api.function_name]
  rds_metric    = ["AWS/RDS", "DBInstanceIdentifier", aws_db_instance.this.identifier]
  cache_metric  = ["AWS/ElastiCache", "clusterId", local.name]

  # One graph per entry, two per row: [title, statistic, [namespace, dimension, value], metric names].
  dashboard_graphs = concat(
    [
      ["API requests and errors", "Sum", local.api_metric, ["Count", "4xx", "5xx"]],
      ["API latency (p95)", "p95", local.api_metric, ["Latency", "IntegrationLatency"]],
      ["Function invocations, errors, throttles", "Sum", local.lambda_metric, ["Invocations", "Errors", "Throttles", "ConcurrentExecutions"]],
      ["Function duration (p95)", "p95", local.lambda_metric, ["Duration"]],
      ["Database CPU and connections", "Average", local.rds_metric, ["CPUUtilization", "DatabaseConnections"]],
      ["Database free storage (bytes)", "Minimum", local.rds_metric, ["FreeStorageSpace"]],
    ],
    var.enable_redis ? [
      ["Cache ECPUs", "Sum", local.cache_metric, ["ElastiCacheProcessingUnits"]],
      ["Cache data stored (bytes)", "Maximum", local.cache_metric, ["BytesUsedForCache"]],
    ] : [],
  )

  dashboard_widgets = [
    for index, graph in local.dashboard_graphs : {
      type   = "metric"
      x      = (index % 2) * 12
      y      = floor(index / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = graph[0]
        stat    = graph[1]
        region  = local.region
        period  = 300
        metrics = [for metric in graph[3] : [graph[2][0], metric, graph[2][1], graph[2][2]]]
      }
    }
  ]
}

resource "aws_cloudwatch_dashboard" "overview" {
  dashboard_name = "${local.name}-overview"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
