"""deploy/cost.py on real plans of the stack (moto): the default plan fits the budget, the
README's cost section is its output, and the plan with every option on is priced in full."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO_ROOT, load_script
from tests.deploy.stacks import MOTO_KEYS, at_once, plan_json, provider_override

cost = load_script("cost")
README = REPO_ROOT / "README.md"

EVERY_OPTION = {
    "enable_frontend": "true",
    "rds_multi_az": "true",
    "interface_endpoint_zones": "2",
    "cache_engine": "redis",
    "lambda_architecture": "arm64",
    "warmup_schedule": "rate(5 minutes)",
    "alarm_email": "ops@example.com",
    "cognito_domain_prefix": "concert-example",
    "cognito_ses_source_arn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
    "cognito_ses_from_address": "Concert <no-reply@example.com>",
    "cognito_ses_reply_to": "help@example.com",
    "api_domain_name": "api.example.com",
    "route53_zone_id": "Z0123456789ABCDEFGHIJ",
    "enable_rds_proxy": "true",
    "efs_one_zone": "false",
}


@pytest.fixture(scope="module")
def plans(module_copy, terraform_bin: str, tf_env: dict[str, str], moto_endpoint: str):
    """`terraform show -json` of the default plan and of the plan with every option on."""
    workdir = module_copy("cost")
    (workdir / "provider_override.tf").write_text(provider_override(moto_endpoint))
    env = {**tf_env, **MOTO_KEYS}
    variants = {"default": {}, "every_option": EVERY_OPTION}
    shown = at_once({name: partial(plan_json, terraform_bin, workdir, env, variables,
                                   f"{name}.tfplan")
                     for name, variables in variants.items()})  # fmt: skip
    for name, plan in shown.items():
        (workdir / f"{name}.json").write_text(json.dumps(plan))
    return {name: workdir / f"{name}.json" for name in variants}


def run_cost(plan: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO_ROOT / "deploy" / "cost.py"), str(plan), *args],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def planned(plan: Path, address: str) -> dict:
    changes = json.loads(plan.read_text())["resource_changes"]
    return next(c["change"]["after"] for c in changes if c["address"] == address)


def test_the_default_stack_fits_the_budget_and_the_readme_shows_its_estimate(plans) -> None:
    result = run_cost(plans["default"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    idle, busy = map(float, re.search(
        r"At idle: \$([\d.]+) a month\. At the assumed traffic: \$([\d.]+) a month", out).groups())
    assert idle <= busy <= 50
    assert "| MySQL 8.4 db.t3.micro Single-AZ | idle | 730 |" in out
    assert "Extended Support" not in out
    assert "| valkey data stored (0.1 GB, billed from 0.1 GB) | idle | 73 |" in out
    assert '`aws_vpc_endpoint.interface["secretsmanager"]` | secretsmanager interface endpoint in 1 zone(s)' in out  # noqa: E501
    assert "logs interface endpoint" not in out
    # The README's cost section is this output, word for word.
    # (To refresh it: terraform show -json tfplan > plan.json; cost.py plan.json --readme README.md)
    section = cost.README_SECTION.search(README.read_text())
    assert section, "README lacks the cost.py section markers"
    assert README.read_text()[section.end(1):section.start(2)] == out.strip()
    assert planned(plans["default"], "aws_cognito_user_pool.this")["email_configuration"] == [{
        "configuration_set": None, "email_sending_account": "COGNITO_DEFAULT",
        "from_email_address": None, "reply_to_email_address": None, "source_arn": None,
    }]  # fmt: skip


def test_every_option_on_is_priced_line_by_line_and_fails_over_budget(plans) -> None:
    result = run_cost(plans["every_option"])
    out = result.stdout
    assert result.returncode == 1
    assert re.fullmatch(r"cost: over budget: \$[\d,.]+ a month > budget_limit_usd \$50\.00\n",
                        result.stderr)  # fmt: skip
    for expected in (
        "| MySQL 8.4 db.t3.micro Multi-AZ | idle | 1,460 |",
        "| gp3 storage Multi-AZ | idle | 40 |",
        "| redis data stored (1 GB, billed from 1 GB) | idle | 730 |",
        "secretsmanager interface endpoint in 2 zone(s) | idle | 1,460 |",
        "| API compute (1024 MB, arm64) | traffic |",
        "| e-mail through SES | traffic |",
        "`aws_cloudfront_distribution.frontend[0]` | data out | traffic |",
        "`aws_db_proxy.this[0]` | RDS Proxy (2 vCPU of the instance) | idle | 1,460 |",
        "| EFS Regional storage (pictures) | idle |",
    ):
        assert expected in out, expected
    # Cognito mails through the SES identity (DEVELOPER) when cognito_ses_* is set.
    mail = planned(plans["every_option"], "aws_cognito_user_pool.this")["email_configuration"]
    assert mail == [{
        "configuration_set": None, "email_sending_account": "DEVELOPER",
        "from_email_address": "Concert <no-reply@example.com>",
        "reply_to_email_address": "help@example.com",
        "source_arn": EVERY_OPTION["cognito_ses_source_arn"],
    }]  # fmt: skip


def test_without_free_tier_the_total_only_grows(plans) -> None:
    with_free = run_cost(plans["default"]).stdout
    without = run_cost(plans["default"], "--no-free-tier").stdout
    totals = [float(re.search(r"traffic: \$([\d.]+)", text)[1]) for text in (with_free, without)]
    assert totals[0] < totals[1]
    assert "always free" not in without


def test_an_unknown_resource_type_stops_the_estimate(tmp_path: Path, capsys) -> None:
    plan = {"resource_changes": [{"address": "aws_nat_gateway.this", "type": "aws_nat_gateway",
                                  "mode": "managed", "change": {"actions": ["create"],
                                                                "after": {}, "after_unknown": {}}}]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert cost.main([str(path)]) == 2
    assert capsys.readouterr().err == (
        "cost: aws_nat_gateway.this: aws_nat_gateway is neither priced nor known to be free\n"
    )
