"""Monthly cost of a Terraform plan: `terraform show -json` priced with deploy/prices.toml.

Prints one line per billed item (resource, item, unit, quantity, price with its region and
date, monthly cost), the always-free allowances, and two totals: at idle (no requests) and at
the traffic the price table assumes. Exits 1 when either total exceeds the plan's
`budget_limit_usd`, 2 when the plan holds something the table cannot price.

    terraform plan -out=tfplan && terraform show -json tfplan > plan.json
    python deploy/cost.py plan.json            # or: terraform show -json tfplan | cost.py -
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES = Path(__file__).resolve().parent / "prices.toml"
README_SECTION = re.compile(r"(<!-- cost\.py: default plan -->\n).*?(\n<!-- /cost\.py -->)", re.S)

# Resource types that cost nothing by themselves (their usage is priced on the resource that
# bills it). A type neither here nor priced below stops the estimate: no silent zero.
FREE_TYPES = frozenset({
    "aws_acm_certificate", "aws_acm_certificate_validation", "aws_apigatewayv2_api_mapping",
    "aws_apigatewayv2_authorizer", "aws_apigatewayv2_domain_name", "aws_apigatewayv2_integration",
    "aws_apigatewayv2_route", "aws_apigatewayv2_stage", "aws_budgets_budget",
    "aws_ce_anomaly_monitor", "aws_ce_anomaly_subscription", "aws_cloudfront_origin_access_control",
    "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_cloudwatch_log_group",
    "aws_cognito_user_group", "aws_cognito_user_pool_client", "aws_cognito_user_pool_domain",
    "aws_db_parameter_group", "aws_db_proxy_default_target_group", "aws_db_proxy_target",
    "aws_db_subnet_group", "aws_default_security_group", "aws_ecr_lifecycle_policy",
    "aws_efs_access_point", "aws_efs_file_system_policy", "aws_efs_mount_target",
    "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_lambda_alias",
    "aws_lambda_invocation",
    "aws_lambda_permission", "aws_route53_record", "aws_route_table",
    "aws_route_table_association", "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration", "aws_secretsmanager_secret_version",
    "aws_security_group", "aws_sns_topic", "aws_sns_topic_policy", "aws_sns_topic_subscription",
    "aws_sqs_queue_policy", "aws_subnet", "aws_vpc", "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
})  # fmt: skip


class Unpriced(Exception):
    """The plan holds a resource setting the price table has no price for."""


@dataclass(frozen=True)
class Price:
    key: str
    amount: float
    unit: str
    region: str
    date: str
    source: str
    free: float = 0.0

    @property
    def verified(self) -> bool:
        return not self.source.startswith("unverified")


@dataclass(frozen=True)
class Line:
    address: str
    item: str
    quantity: float
    price: Price
    traffic: bool  # grows with requests; False: billed at idle too

    @property
    def cost(self) -> float:
        return self.quantity * self.price.amount


class PriceTable:
    """deploy/prices.toml: prices by key (some by class, engine or architecture) and usage."""

    def __init__(self, path: Path = PRICES) -> None:
        data = tomllib.loads(path.read_text())
        self.hours = float(data["hours_per_month"])
        self.usage: dict[str, float] = data["usage"]
        self.entries: dict[str, dict[str, Any]] = data["price"]

    def get(self, key: str, variant: str | None = None, table: str = "") -> Price:
        entry = self.entries[key]
        if variant is None:
            amount = entry["price"]
        else:
            amount = entry[table].get(variant)
            if amount is None:
                raise Unpriced(f"no price for {key} {variant!r} in {PRICES.name} ({table})")
        return Price(key, float(amount), entry["unit"], entry["region"], entry["date"],
                     entry["source"], float(entry.get("free", 0)))  # fmt: skip


def planned_resources(plan: dict[str, Any]) -> Iterator[tuple[str, str, dict, dict]]:
    """(address, type, values, unknown) of every managed resource the plan keeps or creates."""
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or change["change"]["actions"] == ["delete"]:
            continue
        after = change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        yield change["address"], change["type"], after, unknown


def length(values: dict, unknown: dict, key: str) -> int | None:
    """Length of a list attribute, known even when its elements are not; None if unknown."""
    known = values.get(key)
    if isinstance(known, list):
        return len(known)
    pending = unknown.get(key)
    return len(pending) if isinstance(pending, list) else None


class Estimate:
    """The priced lines of one plan."""

    def __init__(self, plan: dict[str, Any], table: PriceTable) -> None:
        self.plan, self.table, self.u, self.hours = plan, table, table.usage, table.hours
        self.lines: list[Line] = []
        self.free_resources = 0
        resources = list(planned_resources(plan))
        self.db_classes = [v.get("instance_class") for _, t, v, _ in resources
                           if t == "aws_db_instance"]  # fmt: skip
        rules: dict[str, Callable[[str, dict, dict], None]] = {
            "aws_db_instance": self.db_instance,
            "aws_db_proxy": self.db_proxy,
            "aws_elasticache_serverless_cache": self.serverless_cache,
            "aws_vpc_endpoint": self.vpc_endpoint,
            "aws_secretsmanager_secret": self.secret,
            "aws_lambda_function": self.function,
            "aws_apigatewayv2_api": self.http_api,
            "aws_cloudwatch_metric_alarm": self.alarm,
            "aws_cloudwatch_dashboard": self.dashboard,
            "aws_efs_file_system": self.file_system,
            "aws_s3_bucket": self.bucket,
            "aws_ecr_repository": self.repository,
            "aws_cognito_user_pool": self.user_pool,
            "aws_cloudfront_distribution": self.distribution,
            "aws_sqs_queue": self.queue,
        }
        for address, kind, values, unknown in resources:
            rule = rules.get(kind)
            if rule is not None:
                rule(address, values, unknown)
            elif kind in FREE_TYPES:
                self.free_resources += 1
            else:
                raise Unpriced(f"{address}: {kind} is neither priced nor known to be free")

    def variable(self, name: str) -> Any:
        return self.plan.get("variables", {}).get(name, {}).get("value")

    def add(self, address: str, item: str, quantity: float, price: Price, traffic: bool) -> None:
        self.lines.append(Line(address, item, quantity, price, traffic))

    # --- rules, one per billed resource type --------------------------------------------------

    def db_instance(self, address: str, v: dict, _: dict) -> None:
        copies = 2 if v.get("multi_az") else 1
        cls = v["instance_class"]
        instance = self.table.get("rds_instance", cls, "classes")
        az = "Multi-AZ" if copies == 2 else "Single-AZ"
        self.add(address, f"MySQL {v.get('engine_version')} {cls} {az}",
                 self.hours * copies, instance, False)  # fmt: skip
        self.add(address, f"{v.get('storage_type', 'gp3')} storage {az}",
                 float(v.get("allocated_storage") or 20) * copies,
                 self.table.get("rds_gp3"), False)  # fmt: skip
        version = str(v.get("engine_version") or "")
        if v.get("engine") == "mysql" and version.split(".")[:2] in (["8", "0"], ["5", "7"]):
            vcpus = self.vcpus(cls)
            self.add(address, f"Extended Support (MySQL {version}, {vcpus} vCPU)",
                     self.hours * vcpus * copies,
                     self.table.get("rds_extended_support"), False)  # fmt: skip
        if v.get("manage_master_user_password"):
            self.add(address, "RDS-managed master password secret", 1,
                     self.table.get("secret"), False)  # fmt: skip

    def vcpus(self, cls: str) -> int:
        known = self.table.entries["rds_instance"]["vcpus"].get(cls)
        if known is None:
            raise Unpriced(f"no vCPU count for {cls!r} in {PRICES.name} (rds_instance.vcpus)")
        return int(known)

    def db_proxy(self, address: str, _: dict, __: dict) -> None:
        price = self.table.get("rds_proxy")
        minimum = int(self.table.entries["rds_proxy"]["minimum_vcpus"])
        vcpus = max([minimum, *(self.vcpus(cls) for cls in self.db_classes if cls)])
        self.add(address, f"RDS Proxy ({vcpus} vCPU of the instance)", self.hours * vcpus,
                 price, False)  # fmt: skip

    def serverless_cache(self, address: str, v: dict, _: dict) -> None:
        engine = v.get("engine", "valkey")
        storage = self.table.get("cache_storage", engine, "engines")
        minimum = float(self.table.entries["cache_storage"]["minimum_gb"][engine])
        data = max(minimum, self.u["cache_gb"])
        self.add(address, f"{engine} data stored ({data:g} GB, billed from {minimum:g} GB)",
                 data * self.hours, storage, False)  # fmt: skip
        ecpus = self.u["api_requests"] * self.u["cache_ecpu_per_request"] / 1e6
        self.add(address, f"{engine} ECPUs", ecpus,
                 self.table.get("cache_ecpu", engine, "engines"), True)  # fmt: skip

    def vpc_endpoint(self, address: str, v: dict, unknown: dict) -> None:
        if v.get("vpc_endpoint_type") != "Interface":
            self.free_resources += 1  # gateway endpoints (S3) carry no charge
            return
        # A set of subnet ids not created yet is unknown as a whole: the stack's variable says.
        zones = length(v, unknown, "subnet_ids")
        zones = zones or int(self.variable("interface_endpoint_zones") or 0)
        if not zones:
            raise Unpriced(f"{address}: the plan does not say in how many zones it is")
        service = str(v.get("service_name", "")).rsplit(".", 1)[-1]
        self.add(address, f"{service} interface endpoint in {zones} zone(s)",
                 zones * self.hours, self.table.get("interface_endpoint"), False)  # fmt: skip

    def secret(self, address: str, _: dict, __: dict) -> None:
        self.add(address, "secret", 1, self.table.get("secret"), False)

    def function(self, address: str, v: dict, _: dict) -> None:
        memory_gb = float(v.get("memory_size") or 128) / 1024
        arch = (v.get("architectures") or ["x86_64"])[0]
        duration = self.table.get("lambda_duration", arch, "architectures")
        if address != "aws_lambda_function.api":
            # The JWKS refresh: no API traffic, only its schedule (and applies).
            runs = self.u["jwks_refresh_runs"]
            self.add(address, "scheduled invocations", runs / 1e6,
                     self.table.get("lambda_requests"), False)  # fmt: skip
            self.add(address, f"scheduled compute ({memory_gb * 1024:g} MB, {arch})",
                     runs * self.u["jwks_refresh_ms"] / 1000 * memory_gb, duration, False)
            return
        seconds = self.u["function_ms"] / 1000
        for label, count, traffic in (
            ("API", self.u["api_requests"], True),
            ("scheduled", self.u["scheduled_invocations"], False),
        ):
            self.add(address, f"{label} invocations", count / 1e6,
                     self.table.get("lambda_requests"), traffic)  # fmt: skip
            self.add(address, f"{label} compute ({memory_gb * 1024:g} MB, {arch})",
                     count * seconds * memory_gb, duration, traffic)  # fmt: skip
        self.add(address, "Secrets Manager reads (2 per cold start)",
                 self.u["cold_starts"] * 2 / 10_000, self.table.get("secret_calls"), True)
        self.add(address, "CloudWatch Logs ingestion (function and API access logs)",
                 self.u["api_requests"] * self.u["log_bytes_per_request"] / 1e9,
                 self.table.get("log_ingestion"), True)  # fmt: skip

    def http_api(self, address: str, v: dict, _: dict) -> None:
        if v.get("protocol_type") != "HTTP":
            raise Unpriced(f"{address}: only HTTP APIs are in {PRICES.name}")
        self.add(address, "HTTP API requests", self.u["api_requests"] / 1e6,
                 self.table.get("http_api_requests"), True)  # fmt: skip
        self.add(address, "data transfer out (responses)",
                 self.u["api_requests"] * self.u["response_kb"] / 1024**2,
                 self.table.get("data_transfer_out"), True)  # fmt: skip

    def alarm(self, address: str, _: dict, __: dict) -> None:
        self.add(address, "alarm", 1, self.table.get("alarm"), False)

    def dashboard(self, address: str, _: dict, __: dict) -> None:
        self.add(address, "dashboard", 1, self.table.get("dashboard"), False)

    def file_system(self, address: str, v: dict, _: dict) -> None:
        one_zone = bool(v.get("availability_zone_name"))
        price = self.table.get("efs_one_zone" if one_zone else "efs_regional")
        kind = "One Zone" if one_zone else "Regional"
        self.add(address, f"EFS {kind} storage (pictures)", self.u["pictures_gb"], price, False)

    def bucket(self, address: str, _: dict, __: dict) -> None:
        if not address.endswith(".media"):
            self.free_resources += 1  # the front end: a few MB of build output
            return
        self.add(address, "S3 storage (user files)", self.u["files_gb"],
                 self.table.get("s3_storage"), False)  # fmt: skip
        self.add(address, "Intelligent-Tiering monitoring", self.u["files_objects"] / 1000,
                 self.table.get("s3_monitoring"), False)  # fmt: skip

    def repository(self, address: str, _: dict, __: dict) -> None:
        self.add(address, "image storage", self.u["image_gb"], self.table.get("ecr_storage"),
                 False)  # fmt: skip

    def user_pool(self, address: str, v: dict, _: dict) -> None:
        self.add(address, "monthly active users", self.u["monthly_active_users"],
                 self.table.get("cognito_mau"), True)  # fmt: skip
        mail = (v.get("email_configuration") or [{}])[0]
        if mail.get("email_sending_account") == "DEVELOPER":
            self.add(address, "e-mail through SES", self.u["emails"] / 1000,
                     self.table.get("ses_email"), True)  # fmt: skip

    def distribution(self, address: str, _: dict, __: dict) -> None:
        self.add(address, "data out", self.u["frontend_gb_out"],
                 self.table.get("cloudfront_out"), True)  # fmt: skip
        self.add(address, "HTTPS requests", self.u["frontend_requests"] / 10_000,
                 self.table.get("cloudfront_requests"), True)  # fmt: skip

    def queue(self, address: str, _: dict, __: dict) -> None:
        # Dead letters and CloudWatch's polling of its metrics: far below 1M requests.
        self.add(address, "requests", 0.01, self.table.get("sqs_requests"), False)

    # --- totals --------------------------------------------------------------------------------

    def free_allowances(self, traffic: bool, free_tier: bool) -> dict[str, tuple[Price, float]]:
        """Per price key: the quantity AWS gives away each month, as far as it is used."""
        if not free_tier:
            return {}
        used: dict[str, tuple[Price, float]] = {}
        for line in self.lines:
            if line.price.free and (traffic or not line.traffic):
                price, quantity = used.get(line.price.key, (line.price, 0.0))
                used[line.price.key] = (price, quantity + line.quantity)
        return {key: (price, min(quantity, price.free)) for key, (price, quantity) in used.items()}

    def total(self, traffic: bool, free_tier: bool) -> float:
        gross = sum(line.cost for line in self.lines if traffic or not line.traffic)
        free = sum(p.amount * q for p, q in self.free_allowances(traffic, free_tier).values())
        return gross - free


def money(value: float) -> str:
    return f"${value:,.2f}" if abs(value) >= 0.005 or value == 0 else f"${value:,.4f}"


def rate(value: float) -> str:
    """A unit price as published: every significant digit, at least two decimals."""
    text = f"{value:.10f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"${whole}.{decimals.ljust(2, '0')}"


def amount(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.4g}"


def report(estimate: Estimate, budget: float | None, free_tier: bool) -> list[str]:
    """The estimate as a Markdown table and totals (the README's cost section is this text)."""
    rows = ["| resource | item | billed | quantity | unit | price (region, date) | monthly |",
            "|---|---|---|---:|---|---|---:|"]  # fmt: skip
    for line in sorted(estimate.lines, key=lambda item: (item.address, item.item)):
        mark = "" if line.price.verified else " ?"
        rows.append(
            f"| `{line.address}` | {line.item} | {'traffic' if line.traffic else 'idle'} "
            f"| {amount(line.quantity)} | {line.price.unit} "
            f"| {rate(line.price.amount)}{mark} ({line.price.region}, {line.price.date}) "
            f"| {money(line.cost)} |"
        )
    for key, (price, quantity) in sorted(estimate.free_allowances(True, free_tier).items()):
        if quantity:
            rows.append(f"| always free | {key} | traffic | -{amount(quantity)} | {price.unit} "
                        f"| {rate(price.amount)} ({price.region}, {price.date}) "
                        f"| -{money(price.amount * quantity)} |")  # fmt: skip
    idle, busy = estimate.total(False, free_tier), estimate.total(True, free_tier)
    rows += [
        "",
        f"**At idle: {money(idle)} a month. At the assumed traffic: {money(busy)} a month.**"
        + (f" Budget (`budget_limit_usd`): {money(budget)}." if budget is not None else ""),
        "",
        f"{estimate.free_resources} more planned resources carry no charge of their own. "
        "Prices marked ? are not confirmed by a public page (see `deploy/prices.toml`).",
    ]
    return rows


def budget_of(plan: dict[str, Any]) -> float | None:
    value = plan.get("variables", {}).get("budget_limit_usd", {}).get("value")
    return None if value is None else float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", help="`terraform show -json` output file, or - for stdin")
    parser.add_argument("--prices", type=Path, default=PRICES, help="price table (TOML)")
    parser.add_argument("--no-free-tier", action="store_true",
                        help="ignore AWS's always-free monthly allowances")  # fmt: skip
    parser.add_argument("--readme", type=Path,
                        help="also write the output between the cost.py markers of this file")
    args = parser.parse_args(argv)
    try:
        raw = sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text()
        plan = json.loads(raw)
        estimate = Estimate(plan, PriceTable(args.prices))
    except (OSError, json.JSONDecodeError, KeyError, Unpriced) as error:
        print(f"cost: {error}", file=sys.stderr)
        return 2
    budget = budget_of(plan)
    free_tier = not args.no_free_tier
    text = "\n".join(report(estimate, budget, free_tier))
    print(text)
    if args.readme:
        readme = args.readme.read_text()
        args.readme.write_text(README_SECTION.sub(lambda m: m[1] + text + m[2], readme))
    worst = max(estimate.total(False, free_tier), estimate.total(True, free_tier))
    if budget is not None and worst > budget:
        print(f"cost: over budget: {money(worst)} a month > budget_limit_usd {money(budget)}",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
