# Alarm topic, CloudWatch alarms (Lambda errors, API 5XX, RDS CPU) and the overview dashboard.

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

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${local.name}-lambda-errors"
  alarm_description   = "The API function raised errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.api.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.lambda_errors_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The HTTP API answered with 5XX errors"
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.this.id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.api_5xx_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${local.name}-rds-cpu"
  alarm_description   = "The database CPU stayed high for 15 minutes"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.rds_cpu_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

locals {
  lambda_dimensions = ["FunctionName", aws_lambda_function.api.function_name]
  api_dimensions    = ["ApiId", aws_apigatewayv2_api.this.id]
  rds_dimensions    = ["DBInstanceIdentifier", aws_db_instance.this.identifier]

  dashboard_widgets = concat(
    [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "API requests and errors"
          region  = local.region
          stat    = "Sum"
          period  = 300
          metrics = [concat(["AWS/ApiGateway", "Count"], local.api_dimensions), concat(["AWS/ApiGateway", "4xx"], local.api_dimensions), concat(["AWS/ApiGateway", "5xx"], local.api_dimensions)]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "API latency (p95)"
          region  = local.region
          stat    = "p95"
          period  = 300
          metrics = [concat(["AWS/ApiGateway", "Latency"], local.api_dimensions), concat(["AWS/ApiGateway", "IntegrationLatency"], local.api_dimensions)]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Function invocations, errors, throttles"
          region  = local.region
          stat    = "Sum"
          period  = 300
          metrics = [concat(["AWS/Lambda", "Invocations"], local.lambda_dimensions), concat(["AWS/Lambda", "Errors"], local.lambda_dimensions), concat(["AWS/Lambda", "Throttles"], local.lambda_dimensions), concat(["AWS/Lambda", "ConcurrentExecutions"], local.lambda_dimensions)]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Function duration (p95)"
          region  = local.region
          stat    = "p95"
          period  = 300
          metrics = [concat(["AWS/Lambda", "Duration"], local.lambda_dimensions)]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title   = "Database CPU and connections"
          region  = local.region
          stat    = "Average"
          period  = 300
          metrics = [concat(["AWS/RDS", "CPUUtilization"], local.rds_dimensions), concat(["AWS/RDS", "DatabaseConnections"], local.rds_dimensions)]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title   = "Database free storage (bytes)"
          region  = local.region
          stat    = "Minimum"
          period  = 300
          metrics = [concat(["AWS/RDS", "FreeStorageSpace"], local.rds_dimensions)]
        }
      },
    ],
    var.enable_redis ? [
      {
        type = "metric", x = 0, y = 18, width = 24, height = 6
        properties = {
          title  = "Cache ECPUs and data stored"
          region = local.region
          stat   = "Sum"
          period = 300
          metrics = [
            ["AWS/ElastiCache", "ElastiCacheProcessingUnits", "clusterId", local.name],
            ["AWS/ElastiCache", "BytesUsedForCache", "clusterId", local.name, { stat = "Maximum", yAxis = "right" }],
          ]
        }
      },
    ] : [],
  )
}

resource "aws_cloudwatch_dashboard" "overview" {
  dashboard_name = "${local.name}-overview"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
