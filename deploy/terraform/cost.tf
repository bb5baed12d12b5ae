# Cost guards: a monthly budget alarm and Cost Anomaly Detection, both reporting to the alarm topic.

resource "aws_budgets_budget" "monthly" {
  count = var.enable_budget ? 1 : 0

  name         = "${local.name}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.budget_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # 80 % of the budget spent, or 100 % forecast for the month.
  dynamic "notification" {
    for_each = { ACTUAL = 80, FORECASTED = 100 }

    content {
      notification_type          = notification.key
      threshold                  = notification.value
      threshold_type             = "PERCENTAGE"
      comparison_operator        = "GREATER_THAN"
      subscriber_sns_topic_arns  = [aws_sns_topic.alarms.arn]
      subscriber_email_addresses = var.alarm_email == null ? [] : [var.alarm_email]
    }
  }

  depends_on = [aws_sns_topic_policy.alarms]
}

resource "aws_ce_anomaly_monitor" "services" {
  count = var.enable_cost_anomaly && var.cost_anomaly_monitor_arn == null ? 1 : 0

  name              = "${local.name}-services"
  monitor_type      = "DIMENSIONAL"
  monitor_dimension = "SERVICE"
}

resource "aws_ce_anomaly_subscription" "this" {
  count = var.enable_cost_anomaly ? 1 : 0

  name             = "${local.name}-anomalies"
  frequency        = "IMMEDIATE"
  monitor_arn_list = [coalesce(var.cost_anomaly_monitor_arn, try(aws_ce_anomaly_monitor.services[0].arn, null))]

  subscriber {
    type    = "SNS"
    address = aws_sns_topic.alarms.arn
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.cost_anomaly_threshold_usd)]
    }
  }

  depends_on = [aws_sns_topic_policy.alarms]
}
