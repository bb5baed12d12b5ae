"""AWS rules moto cannot enforce, checked on `terraform show -json` of real plans.

The plans run against moto's server after the VPC and subnets exist there (a targeted
apply), so subnet ids are known in the plan: which zones the function runs in and where EFS
has mount targets can be compared. Route selection, CORS and the connection budget are read
from the same plans.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.deploy.stacks import (
    MOTO_KEYS,
    TEST_VARS,
    at_once,
    plan_json,
    provider_override,
    run,
    var_args,
)

ROOT = Path(__file__).resolve().parents[2]
CORS = json.loads((ROOT / "concert" / "cors.json").read_text())


# The variable sets the tests below read plans of (efs_one_zone is true by default).
VARIANTS = ({}, {"efs_one_zone": "false"}, {"rds_instance_class": "db.t3.small"},
            {"lambda_reserved_concurrency": "-1"}, {"enable_rds_proxy": "true"})  # fmt: skip


class Plans:
    """`terraform plan` of the module with some variables changed, as JSON: those of VARIANTS
    planned at once (a plan mostly waits on moto), any other when asked."""

    def __init__(self, workdir: Path, terraform: str, env: dict[str, str]) -> None:
        self.workdir, self.terraform, self.env = workdir, terraform, env
        self.shown = at_once({key(variant): partial(self._plan, key(variant))
                              for variant in VARIANTS})  # fmt: skip

    def _plan(self, overrides: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        name = f"plan-{abs(hash(overrides))}"
        return plan_json(self.terraform, self.workdir, self.env, {**TEST_VARS, **dict(overrides)},
                         name)  # fmt: skip

    def __call__(self, **overrides: str) -> dict[str, Any]:
        if key(overrides) not in self.shown:
            self.shown[key(overrides)] = self._plan(key(overrides))
        return self.shown[key(overrides)]


def key(overrides: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(overrides.items()))


@pytest.fixture(scope="module")
def plans(module_copy, terraform_bin, tf_env, moto_endpoint) -> Plans:
    from tests.deploy.conftest import reset_moto

    workdir = module_copy("plan")
    (workdir / "provider_override.tf").write_text(provider_override(moto_endpoint))
    env = {**tf_env, **MOTO_KEYS}
    env.pop("AWS_PROFILE", None)
    reset_moto(moto_endpoint)
    run([terraform_bin, "apply", "-auto-approve", "-input=false", "-no-color",
         "-target=aws_subnet.private", *var_args(TEST_VARS)], workdir, env)  # fmt: skip
    yield Plans(workdir, terraform_bin, env)
    reset_moto(moto_endpoint)


def resources(plan: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Planned values of every resource of one type, by address."""
    return {r["address"]: r["values"] for r in plan["planned_values"]["root_module"]["resources"]
            if r["type"] == kind}


def prior(plan: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {r["address"]: r["values"] for r in plan["prior_state"]["values"]["root_module"]
            ["resources"] if r["type"] == kind}


# --- Zones: Lambda needs a mount target in every zone the function runs in ----------------
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-filesystem.html: the file system
# needs "a mount target in every Availability Zone" of the function's subnets, else Lambda
# refuses the configuration (moto accepts it).


@pytest.mark.parametrize("one_zone", ["true", "false"])
def test_every_zone_the_function_runs_in_has_an_efs_mount_target(plans, one_zone):
    plan = plans() if one_zone == "true" else plans(efs_one_zone=one_zone)  # true by default
    zone_of = {v["id"]: v["availability_zone"] for v in prior(plan, "aws_subnet").values()}
    function = resources(plan, "aws_lambda_function")["aws_lambda_function.api"]
    function_zones = {zone_of[s] for s in function["vpc_config"][0]["subnet_ids"]}
    mount_zones = {zone_of[v["subnet_id"]]
                   for v in resources(plan, "aws_efs_mount_target").values()}
    file_system = resources(plan, "aws_efs_file_system")["aws_efs_file_system.this"]

    assert function_zones and function_zones <= mount_zones
    if one_zone == "true":
        assert function_zones == mount_zones == {file_system["availability_zone_name"]}
    else:  # regional: no zone of its own (the attribute is left to AWS)
        assert len(function_zones) == 2 and file_system.get("availability_zone_name") is None


# --- Connection budget ---------------------------------------------------------------------


def test_max_connections_of_the_class_drive_the_reserved_concurrency(plans):
    plan = plans()
    group = resources(plan, "aws_db_parameter_group")["aws_db_parameter_group.this"]
    parameters = {p["name"]: p["value"] for p in group["parameter"]}
    function = resources(plan, "aws_lambda_function")["aws_lambda_function.api"]
    # db.t3.micro has t3.micro's 1 GiB: 64 connections, 10 kept aside, 54 for the function.
    assert (parameters["max_connections"], parameters["wait_timeout"]) == ("64", "300")
    assert function["reserved_concurrent_executions"] == 54
    assert plan["planned_values"]["outputs"]["connection_budget"]["value"] == {
        "max_connections": 64, "headroom": 10, "function_connections": 54,
        "reserved_concurrency": 54, "rds_proxy": False}
    assert resources(plan, "aws_db_proxy") == {}
    assert resources(plans(rds_instance_class="db.t3.small"), "aws_lambda_function")[
        "aws_lambda_function.api"]["reserved_concurrent_executions"] == 118
    assert resources(plans(lambda_reserved_concurrency="-1"), "aws_lambda_function")[
        "aws_lambda_function.api"]["reserved_concurrent_executions"] == -1


def test_rds_proxy_carries_the_budget_with_tls_and_the_managed_secret(plans):
    plan = plans(enable_rds_proxy="true")
    proxy = resources(plan, "aws_db_proxy")["aws_db_proxy.this[0]"]
    pool = resources(plan, "aws_db_proxy_default_target_group")[
        "aws_db_proxy_default_target_group.this[0]"]["connection_pool_config"][0]
    function = resources(plan, "aws_lambda_function")["aws_lambda_function.api"]

    assert (proxy["engine_family"], proxy["require_tls"]) == ("MYSQL", True)
    assert proxy["auth"][0]["auth_scheme"] == "SECRETS"
    # 54 of 64 connections: the function's share, the headroom stays with operators.
    assert pool["max_connections_percent"] == 84
    # Nothing Django sets on connect pins (tests/core/test_db_connections.py): no filter.
    assert pool["session_pinning_filters"] in (None, [])
    assert function["reserved_concurrent_executions"] == 108
    # DB_HOST and DB_SSL_CA follow the proxy: checked on the applied stack (test_terraform).


# --- CORS: API Gateway takes the service's policy ------------------------------------------


def test_api_gateway_cors_is_the_services_policy(plans):
    api = resources(plans(), "aws_apigatewayv2_api")["aws_apigatewayv2_api.this"]
    cors = api["cors_configuration"][0]
    assert cors["allow_origins"] == ["https://app.example.com"]
    assert sorted(cors["allow_methods"]) == sorted(CORS["allow_methods"])
    assert sorted(cors["allow_headers"]) == sorted(CORS["allow_headers"])
    assert sorted(cors["expose_headers"]) == sorted(CORS["expose_headers"])
    assert cors["max_age"] == CORS["max_age_seconds"] and cors["allow_credentials"] is False


def test_browsers_of_the_same_origins_may_post_presigned_forms_to_the_bucket(plans):
    # Files and pictures go from the browser straight to S3: the bucket answers CORS itself.
    [rule] = resources(plans(), "aws_s3_bucket_cors_configuration")[
        "aws_s3_bucket_cors_configuration.media[0]"]["cors_rule"]
    assert rule["allowed_origins"] == ["https://app.example.com"]
    assert "POST" in rule["allowed_methods"]
    assert rule["max_age_seconds"] == CORS["max_age_seconds"]


# --- Routes -------------------------------------------------------------------------------
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
# ("Routing API requests"): API Gateway "selects the route with the most-specific match":
# a full match for the route and method, then a match with a greedy path variable ({proxy+}),
# then the $default route; among greedy routes the longest prefix wins, a route for the
# request's method before ANY. Paths are compared segment by segment, a trailing slash
# included.


def route_for(method: str, path: str, route_keys: set[str]) -> str | None:
    """The route key API Gateway selects for a request, None when it answers 404 itself."""
    request = path.split("/")[1:]
    candidates = []
    for key in route_keys:
        if key == "$default":
            candidates.append(((3, 0, 0), key))
            continue
        route_method, route_path = key.split(" ", 1)
        if route_method not in ("ANY", method):
            continue
        segments = route_path.split("/")[1:]
        greedy = segments[-1].endswith("+}")
        fixed = segments[:-1] if greedy else segments
        if greedy and len(request) <= len(fixed):
            continue
        if not greedy and len(request) != len(fixed):
            continue
        if any(not (s.startswith("{") or s == r) for s, r in zip(fixed, request, strict=False)):
            continue
        variables = sum(s.startswith("{") for s in fixed)
        kind = 2 if greedy else (1 if variables else 0)
        candidates.append(((kind, -len(fixed), route_method == "ANY"), key))
    return min(candidates)[1] if candidates else None


def test_the_route_model_follows_the_documented_example():
    routes = {"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}",
              "ANY /pets/{proxy+}", "$default"}
    assert route_for("GET", "/pets/dog/1", routes) == "GET /pets/dog/1"
    assert route_for("GET", "/pets/dog/2", routes) == "GET /pets/dog/{id}"
    assert route_for("GET", "/pets/cat/1", routes) == "GET /pets/{proxy+}"
    assert route_for("POST", "/pets/cat/1", routes) == "ANY /pets/{proxy+}"
    assert route_for("POST", "/toys/ball", routes) == "ANY /{proxy+}"
    assert route_for("GET", "/", routes - {"ANY /{proxy+}"}) == "$default"
    assert route_for("GET", "/pets/dog/1/", routes - {"GET /pets/{proxy+}", "ANY /pets/{proxy+}"}
                     ) == "ANY /{proxy+}"


def concrete(template: str, operation: dict[str, Any]) -> str:
    """A request path for an operation: each path parameter filled by its schema type."""
    kinds = {p["name"]: (p.get("schema", {}).get("type"), p.get("schema", {}).get("format"))
             for p in operation.get("parameters", []) if p.get("in") == "path"}
    samples = {("integer", None): "7", ("string", "uuid"): "00000000-0000-4000-8000-00000000002a"}
    return re.sub(r"\{([^}]+)\}", lambda m: samples.get(kinds.get(m[1]), "x1"), template)


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def tokens_verified_without_claims(db, settings, tmp_path) -> bool:
    """Whether the service itself verifies a bearer token that came with no authorizer
    claims in trust mode, as on a route without the authorizer (not assumed: asked)."""
    from django.test import RequestFactory
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    from apps.accounts.dev_issuer import dev_token_mint

    settings.JWT_DEV_KEY_DIR = tmp_path / "dev-jwt"
    settings.AUTH_TRUST_API_GATEWAY = True
    token = dev_token_mint(email="route@example.com", groups=[], sub="route-check")
    django_request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    django_request.META["apig_wsgi.request_context"] = {"requestId": "r", "stage": "$default"}
    request = Request(django_request, authenticators=[
        cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
    return getattr(request.user, "cognito_sub", None) == "route-check"


def test_every_operation_lands_on_a_route_where_its_callers_keep_their_identity(
        plans, schema, tokens_verified_without_claims):
    from django.urls import Resolver404, resolve

    routes = {r["route_key"]: r["authorization_type"]
              for r in resources(plans(), "aws_apigatewayv2_route").values()}
    assert "ANY /api/v1/{proxy+}" in routes and routes["ANY /api/v1/{proxy+}"] == "JWT"
    problems = []
    operations = 0
    for template, operations_of_path in schema["paths"].items():
        for method, operation in operations_of_path.items():
            method, path = method.upper(), concrete(template, operation)
            operations += 1
            callers = {name for requirement in operation.get("security", [{}])
                       for name in (requirement or {"anonymous": []})}
            route = route_for(method, path, set(routes))
            if route is None:
                problems.append(f"{method} {template}: no route (API Gateway answers 404)")
                continue
            open_route = routes[route] == "NONE"
            if "anonymous" in callers and not open_route:
                problems.append(f"{method} {template}: anonymous callers get the authorizer's "
                                f"401 on {route}")
            if "cognitoJwt" in callers and open_route and not tokens_verified_without_claims:
                problems.append(f"{method} {template}: a token loses its identity on {route}")
            if "licenseKey" in callers:
                partner = path.replace("/api/v1/", "/partner/v1/", 1)
                partner_route = route_for(method, partner, set(routes))
                if partner_route is None or routes[partner_route] != "NONE":
                    problems.append(f"{method} {template}: license keys have no open route "
                                    f"under /partner/v1 ({partner_route})")
                try:
                    resolve(partner)
                except Resolver404:
                    problems.append(f"{method} {template}: the service does not serve {partner}")
    assert operations >= 40
    assert problems == []
    assert django_settings.ROOT_URLCONF == "concert.urls"
