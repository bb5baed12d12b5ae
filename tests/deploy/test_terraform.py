"""Checks of the Terraform root module: fmt, validate, checkov, hadolint, apply/destroy on moto."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import REPO_ROOT, TERRAFORM_DIR, load_script
from tests.deploy.stacks import MOTO_KEYS, TEST_VARS, Stack, clients, run

TF_FILES = sorted(TERRAFORM_DIR.glob("*.tf"))

EXPECTED_PUBLIC_ROUTES = {
    "$default",
    "GET /",
    "GET /api/v1/events",
    "GET /api/v1/events/{proxy+}",
    "GET /api/v1/venues",
    "GET /api/v1/venues/{proxy+}",
    "GET /api/v1/artists",
    "GET /api/v1/artists/{proxy+}",
    "POST /api/v1/files/upload",
    "GET /api/v1/files/download",
}


def blocks(kind: str) -> dict[str, str]:
    """Top-level `kind "name" { ... }` blocks of the module, by name (closing brace at column 0)."""
    pattern = re.compile(rf'^{kind} "([\w-]+)" \{{\n(.*?)^\}}', re.S | re.M)
    return {m[1]: m[2] for path in TF_FILES for m in pattern.finditer(path.read_text())}


# --- Static checks (no tools) --------------------------------------------------------------------


def test_every_file_opens_with_a_comment() -> None:
    for path in [*TF_FILES, TERRAFORM_DIR / "terraform.tfvars.example"]:
        assert path.read_text().startswith("# "), f"{path.name} needs a header comment"


def test_variables_are_described_typed_and_enums_validated() -> None:
    variables = blocks("variable")
    assert len(variables) > 40
    for name, body in variables.items():
        assert re.search(r"^  description = \".+\"", body, re.M), f"{name} has no description"
        assert re.search(r"^  type\s+= ", body, re.M), f"{name} has no type"
    for name in (
        "environment",
        "lambda_architecture",
        "log_retention_days",
        "image_uri",
        "image_digest",
        "efs_transition_to_ia",
        "cognito_mfa_configuration",
        "cors_allowed_origins",
        "usage_flush_schedule",
        "purge_schedule",
        "frontend_price_class",
    ):
        assert "validation {" in variables[name], f"{name} needs a validation block"


def test_every_scheduled_job_is_a_command_the_function_may_run(settings) -> None:
    schedule = (TERRAFORM_DIR / "schedule.tf").read_text()
    commands = re.findall(r'command\s+= \["([a-z_]+)"', schedule)
    assert {"usage_flush", "files_purge_pending", "picture_uploads_purge",
            "idempotency_keys_purge"} <= set(commands)
    assert set(commands) <= settings.LAMBDA_MANAGE_COMMANDS


def test_outputs_are_described_and_cover_the_contract() -> None:
    outputs = blocks("output")
    for name, body in outputs.items():
        assert re.search(r"^  description = \".+\"", body, re.M), (
            f"output {name} has no description"
        )
    assert {
        "api_endpoint",
        "cognito_user_pool_id",
        "cognito_app_client_id",
        "rds_endpoint",
        "s3_bucket_name",
        "redis_endpoint",
        "efs_access_point_arn",
        "lambda_function_name",
        "ecr_repository_url",
        "frontend_config",
        "backend_config",
        "frontend_bucket_name",
        "media_bucket_name",
    } <= outputs.keys()


def test_no_account_id_region_or_secret_is_written_in_the_module() -> None:
    for path in TF_FILES:
        text = path.read_text()
        assert not re.search(r"\b\d{12}\b", text), f"account id in {path.name}"
        assert not re.search(r"arn:aws:", text), f"hand-written partition in {path.name}"
        assert not re.search(r'"(us|eu|ap|sa|ca|me|af)-[a-z]+-\d"', text), f"region in {path.name}"
        assert "password =" not in text and 'secret_string = "' not in text


def test_checkov_skips_carry_a_reason() -> None:
    skips = [
        line.strip()
        for path in TF_FILES
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    for skip in skips:
        assert re.fullmatch(r"#checkov:skip=CKV2?_AWS_\d+:\S.{10,}", skip), skip


# --- Tools ---------------------------------------------------------------------------------------


def test_terraform_fmt(terraform_bin: str, tf_env: dict[str, str]) -> None:
    run([terraform_bin, "fmt", "-check", "-recursive", "-diff"], TERRAFORM_DIR, tf_env)


@pytest.fixture(scope="module")
def initialised_copy(module_copy) -> Path:
    """A copy of the module initialised offline from the provider mirror."""
    return module_copy("terraform")


def test_terraform_validate(
    initialised_copy: Path, terraform_bin: str, tf_env: dict[str, str]
) -> None:
    out = run([terraform_bin, "validate", "-json"], initialised_copy, tf_env)
    assert json.loads(out)["valid"] is True


def test_checkov_has_no_failed_check(checkov_bin: str) -> None:
    result = subprocess.run(
        [
            checkov_bin,
            "-d",
            str(TERRAFORM_DIR),
            "--framework",
            "terraform",
            "--skip-download",
            "--compact",
            "--quiet",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert report["summary"]["passed"] > 100
    assert result.returncode == 0


def test_hadolint_dockerfile(hadolint_bin: str) -> None:
    dockerfile = REPO_ROOT / "Dockerfile"
    if not dockerfile.is_file():
        pytest.skip("no Dockerfile in the repository yet")
    result = subprocess.run(
        [hadolint_bin, str(dockerfile)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- End to end: terraform apply and destroy against moto's server ------------------------------
# Two stacks (conftest: stack, proxy_stack), each on a moto server of its own, applied in the
# background from the first deployment test on; the proxy stack's destroy runs during the
# release, and test_destroy_leaves_nothing checks both.


def test_apply_outputs(outputs: dict[str, Any]) -> None:
    assert re.fullmatch(
        r"https://\w+\.execute-api\.us-east-1\.amazonaws\.com", outputs["api_endpoint"]
    )
    assert outputs["lambda_function_name"] == "concert-prod-api"
    assert outputs["s3_bucket_name"] == "concert-prod-media-123456789012"
    assert outputs.get("redis_endpoint") is None  # terraform output -json leaves nulls out
    assert outputs["ecr_repository_url"].endswith(".amazonaws.com/concert-prod-api")
    assert ":access-point/" in outputs["efs_access_point_arn"]
    assert outputs["frontend_bucket_name"] == "concert-prod-frontend-123456789012"
    assert outputs["frontend_config"]["user_pool_id"] == outputs["cognito_user_pool_id"]
    assert outputs["frontend_config"]["user_pool_client_id"] == outputs["cognito_app_client_id"]


def test_lambda_mounts_efs_through_the_access_point(
    stack: Stack, outputs: dict[str, Any], boto
) -> None:
    # moto neither returns nor stores FileSystemConfigs: check what Terraform sent.
    mount = stack.planned("aws_lambda_function.api")["file_system_config"][0]
    assert mount["local_mount_path"] == "/mnt/efs"
    access_point_id = outputs["efs_access_point_arn"].split("/")[-1]
    efs = boto("efs")
    access_point = efs.describe_access_points(AccessPointId=access_point_id)["AccessPoints"][0]
    assert access_point["PosixUser"]["Uid"] == access_point["PosixUser"]["Gid"] == 1000
    assert access_point["RootDirectory"]["Path"] == "/pictures"


def test_lambda_follows_the_settings_contract(outputs: dict[str, Any], boto) -> None:
    config = boto("lambda").get_function(FunctionName="concert-prod-api")["Configuration"]
    env = config["Environment"]["Variables"]
    api_host = outputs["api_endpoint"].removeprefix("https://")
    pool_id = outputs["cognito_user_pool_id"]
    assert config["PackageType"] == "Image"
    assert config["Timeout"] == 30
    assert config["VpcConfig"]["SubnetIds"] and config["VpcConfig"]["SecurityGroupIds"]
    assert env == outputs["backend_config"]
    assert env["CONCERT_PRODUCTION"] == "true"
    assert env["DJANGO_ALLOWED_HOSTS"] == api_host
    assert env["CSRF_TRUSTED_ORIGINS"] == f"https://{api_host}"
    assert env["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
    assert env["DB_SECRET_ARN"] == outputs["rds_secret_arn"]
    assert env["DB_HOST"] == outputs["rds_endpoint"].split(":")[0]
    assert (env["DB_PORT"], env["DB_NAME"]) == ("3306", "concert")
    assert env["DJANGO_SECRET_KEY_ARN"] == outputs["django_secret_key_arn"]
    assert env["PICTURES_ROOT"] == "/mnt/efs"
    assert env["FILES_BUCKET"] == outputs["s3_bucket_name"]
    assert env["JWT_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert set(env["JWT_AUDIENCE"].split(",")) == {
        outputs["cognito_app_client_id"],
        outputs["cognito_api_client_id"],
    }
    assert env["AUTH_TRUST_API_GATEWAY"] == "true"
    assert env["JWT_JWKS_SECRET_ARN"] == outputs["jwks_secret_arn"]
    assert env["LOG_LEVEL"] == "INFO"
    assert env["REQUEST_TIME_LIMIT"] == str(config["Timeout"]) == "30"
    assert "REDIS_URL" not in env
    assert not any("PASSWORD" in key for key in env)


def test_api_routes_and_authorizer(outputs: dict[str, Any], boto) -> None:
    apigw = boto("apigatewayv2")
    api_id = outputs["api_endpoint"].removeprefix("https://").split(".")[0]
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    assert routes.keys() == EXPECTED_PUBLIC_ROUTES | {
        "ANY /api/v1/{proxy+}",
        "ANY /partner/v1/{proxy+}",
    }
    for key in EXPECTED_PUBLIC_ROUTES | {"ANY /partner/v1/{proxy+}"}:
        assert routes[key]["AuthorizationType"] == "NONE", key
    protected = routes["ANY /api/v1/{proxy+}"]
    assert protected["AuthorizationType"] == "JWT"
    authorizer = apigw.get_authorizer(ApiId=api_id, AuthorizerId=protected["AuthorizerId"])
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert set(authorizer["JwtConfiguration"]["Audience"]) == {
        outputs["cognito_app_client_id"],
        outputs["cognito_api_client_id"],
    }
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
    # Partner paths reach the service unchanged: one integration, no path rewriting.
    assert len(integrations) == 1
    assert routes["ANY /partner/v1/{proxy+}"]["Target"] == protected["Target"]
    django = integrations[protected["Target"].split("/")[1]]
    assert not django.get("RequestParameters")
    assert django["PayloadFormatVersion"] == "2.0"
    # The integration calls the live alias, never the unpublished $LATEST.
    assert ":function:concert-prod-api:live/invocations" in django["IntegrationUri"]
    assert routes["GET /api/v1/events"]["Target"] == protected["Target"]
    stage = apigw.get_stage(ApiId=api_id, StageName="$default")
    assert "$context.requestId" in stage["AccessLogSettings"]["Format"]
    assert stage["AccessLogSettings"]["DestinationArn"].endswith(
        ":log-group:concert-prod-api-execution"
    )
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 50


def test_lambda_role_is_least_privilege(outputs: dict[str, Any], boto) -> None:
    iam = boto("iam")
    assert iam.list_attached_role_policies(RoleName="concert-prod-api")["AttachedPolicies"] == []
    policy = iam.get_role_policy(RoleName="concert-prod-api", PolicyName="concert-prod-api")
    document = policy["PolicyDocument"]
    statements = {s["Sid"]: s for s in document["Statement"]}
    for statement in statements.values():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        assert not any("*" in action for action in actions), statement
        if "*" in resources:
            assert all(action.startswith("ec2:Describe") for action in actions), statement
    bucket = outputs["s3_bucket_name"]
    # Forms write under the uploads prefix only (pictures and files on their way in); user
    # files are copied from there to their own prefix, which no form targets.
    from apps.core.picture_uploads import UPLOADS_PREFIX as PICTURES
    from apps.core.storage import UPLOADS_PREFIX
    from apps.files.services import FILES_PREFIX
    from apps.files.services import UPLOADS_PREFIX as FILES

    assert UPLOADS_PREFIX == "uploads/" and FILES_PREFIX == "files/"
    assert PICTURES.startswith(UPLOADS_PREFIX) and FILES.startswith(UPLOADS_PREFIX)
    assert statements["Uploads"]["Resource"] == f"arn:aws:s3:::{bucket}/uploads/*"
    assert sorted(statements["Uploads"]["Action"]) == [
        "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert statements["UserFiles"]["Resource"] == f"arn:aws:s3:::{bucket}/files/*"
    assert sorted(statements["UserFiles"]["Action"]) == [
        "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    # `complete` copies an upload to files/: S3 authorizes CopyObject (and UploadPartCopy)
    # with read access to the source object and write access to the destination
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html, "Permissions";
    # UploadPartCopy likewise). moto ignores the role's policy, so the rule is held here.
    assert "s3:GetObject" in statements["Uploads"]["Action"]
    assert "s3:PutObject" in statements["UserFiles"]["Action"]
    assert set(statements["ReadSecrets"]["Resource"]) == {
        outputs["rds_secret_arn"],
        outputs["django_secret_key_arn"],
        outputs["jwks_secret_arn"],
    }
    efs_condition = statements["PicturesFileSystem"]["Condition"]["StringEquals"]
    assert efs_condition["elasticfilesystem:AccessPointArn"] == outputs["efs_access_point_arn"]


def test_storage_database_and_schedule(stack: Stack, outputs: dict[str, Any], boto) -> None:
    s3 = boto("s3")
    bucket = outputs["s3_bucket_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["intelligent-tiering"]["Transitions"][0]["StorageClass"] == "INTELLIGENT_TIERING"
    # Abandoned uploads (pictures and files) expire after a day.
    assert rules["expire-uploads"]["Filter"] == {"Prefix": "uploads/"}
    assert rules["expire-uploads"]["Expiration"] == {"Days": 1}
    db = boto("rds").describe_db_instances(DBInstanceIdentifier="concert-prod")["DBInstances"][0]
    assert (db["Engine"], db["DBInstanceClass"], db["StorageEncrypted"]) == (
        "mysql",
        "db.t3.micro",
        True,
    )
    assert db["MaxAllocatedStorage"] == 100 and db["PubliclyAccessible"] is False
    assert db["EngineVersion"] == "8.4"
    groups = boto("rds").describe_db_parameter_groups(DBParameterGroupName="concert-prod-mysql84")
    assert groups["DBParameterGroups"][0]["DBParameterGroupFamily"] == "mysql8.4"
    assert set(db["EnabledCloudwatchLogsExports"]) == {"error", "slowquery"}
    # Interface endpoints only for the APIs the service calls, in one zone by default.
    endpoints = boto("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    zones = {e["ServiceName"].split(".")[-1]: len(e.get("SubnetIds", [])) for e in endpoints}
    assert zones == {"s3": 0, "secretsmanager": 1}
    events = boto("events")
    jobs = {
        "usage-flush": (["usage_flush"], "rate(15 minutes)"),
        "files-purge-pending": (["files_purge_pending", "--hours", "24"], "cron(30 3 * * ? *)"),
        "picture-uploads-purge": (["picture_uploads_purge", "--hours", "24"],
                                  "cron(30 3 * * ? *)"),
        "idempotency-keys-purge": (["idempotency_keys_purge"], "cron(30 3 * * ? *)"),
    }
    dlq_arn = boto("sqs").get_queue_attributes(
        QueueUrl=outputs["jobs_dead_letter_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    for job, (command, schedule) in jobs.items():
        rule = f"concert-prod-{job}"
        target = events.list_targets_by_rule(Rule=rule)["Targets"][0]
        assert json.loads(target["Input"]) == {"manage": command}
        assert target["Arn"].endswith(":function:concert-prod-api:live")
        assert target["DeadLetterConfig"] == {"Arn": dlq_arn}
        assert events.describe_rule(Name=rule)["ScheduleExpression"] == schedule
    # moto does not return DeadLetterConfig: check what Terraform sent.
    dead_letter = stack.planned("aws_lambda_function.api")["dead_letter_config"]
    assert stack.planned("aws_sqs_queue.jobs_dlq")["name"] == dlq_arn.rsplit(":", 1)[1]
    assert len(dead_letter) == 1
    alias = boto("lambda").get_alias(FunctionName="concert-prod-api", Name="live")
    assert alias["FunctionVersion"] == outputs["lambda_published_version"] == "1"
    # Every log group the stack makes has a retention, the ones RDS exports to included.
    logs = boto("logs").describe_log_groups()["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in logs} == {
        "/aws/lambda/concert-prod-api": 30,
        "/aws/lambda/concert-prod-jwks-refresh": 30,
        "concert-prod-api-execution": 30,
        "/aws/rds/instance/concert-prod/error": 30,
        "/aws/rds/instance/concert-prod/slowquery": 30,
    }
    alarms = boto("cloudwatch").describe_alarms(AlarmNamePrefix="concert-prod-")["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} == {
        "concert-prod-lambda-errors",
        "concert-prod-api-5xx",
        "concert-prod-jobs-dlq",
        "concert-prod-rds-cpu",
    }
    assert boto("cloudwatch").get_dashboard(DashboardName="concert-prod-overview")["DashboardBody"]
    groups = boto("cognito-idp").list_groups(UserPoolId=outputs["cognito_user_pool_id"])["Groups"]
    assert {g["GroupName"] for g in groups} == {"organizer", "staff", "admin"}
    repo = boto("ecr").describe_repositories(repositoryNames=["concert-prod-api"])["repositories"][
        0
    ]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True


def test_apply_with_rds_proxy(proxy_stack: Stack, proxy_moto: str) -> None:
    """The whole stack with enable_rds_proxy, beside the default one (its own names)."""
    outputs = proxy_stack.outputs()
    boto = clients(proxy_moto, MOTO_KEYS)
    rds = boto("rds")
    proxy = rds.describe_db_proxies(DBProxyName="concert-proxy-db")["DBProxies"][0]
    assert proxy["RequireTLS"] is True and proxy["EngineFamily"] == "MYSQL"
    assert proxy["Auth"][0]["SecretArn"] == outputs["rds_secret_arn"]
    targets = rds.describe_db_proxy_targets(DBProxyName="concert-proxy-db")["Targets"]
    assert [t.get("RdsResourceId") or t.get("TrackedClusterId") for t in targets]
    config = boto("lambda").get_function(FunctionName="concert-proxy-api")["Configuration"]
    env_vars = config["Environment"]["Variables"]
    assert env_vars["DB_HOST"] == proxy["Endpoint"] == outputs["rds_proxy_endpoint"]
    assert env_vars["DB_SSL_CA"] == "/etc/pki/tls/certs/ca-bundle.crt"
    assert outputs["connection_budget"]["reserved_concurrency"] == 108
    proxy_stack.start_destroy()  # checked with the default stack's in test_destroy_leaves_nothing


def test_only_the_deployment_group_deploys_and_only_its_stack(
    stack: Stack, outputs: dict[str, Any], people, boto, enforced
) -> None:
    # The deployer's apply went through (the outputs exist) with the group's policies alone;
    # moto checked every call: these are some of the IAM actions it evaluated (moto does not
    # check iam:PassRole; the group allows it for the stack's roles to Lambda and RDS only).
    assert {"lambda:CreateFunction", "rds:CreateDBInstance", "apigateway:POST",
            "cloudwatch:PutMetricAlarm", "ec2:CreateVpcEndpoint"} <= set(enforced())  # fmt: skip
    # Someone outside the group cannot even plan.
    outsider = {**stack.env, **people["outsider"]}
    result = subprocess.run([stack.terraform, "plan", "-input=false", "-no-color",
                             "-refresh=true", *stack.var_args], cwd=stack.workdir, env=outsider,
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert result.returncode == 1
    assert "AccessDenied" in result.stdout + result.stderr
    # The deployer reaches nothing outside the stack where moto knows the resource (S3), nor
    # people's rights (IAM users, groups).
    from botocore.exceptions import ClientError

    deployer = clients(boto("s3").meta.endpoint_url, people["deployer"])
    for call in (lambda: deployer("s3").create_bucket(Bucket="someone-elses-bucket"),
                 lambda: deployer("s3").get_object(Bucket=outputs["s3_bucket_name"],
                                                   Key="files/someone.pdf"),
                 lambda: deployer("iam").create_user(UserName="mallory"),
                 lambda: deployer("iam").add_user_to_group(GroupName="concert-prod-admins",
                                                           UserName="deployer")):  # fmt: skip
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def tfvars_json(variables: dict[str, str]) -> str:
    """TEST_VARS as a .tfvars.json document (lists and booleans as JSON, the rest strings)."""

    def value(text: str):
        try:
            return json.loads(text)
        except ValueError:
            return text

    return json.dumps({key: value(text) for key, text in variables.items()})


@pytest.mark.django_db(transaction=True)
def test_release_migrates_and_smoke_tests_a_version_before_it_takes_traffic_then_rolls_back(
    stack: Stack, outputs: dict[str, Any], boto, people, live_server, settings, monkeypatch, capsys
) -> None:
    from tests.deploy.conftest import InProcessLambda

    release = load_script("release")
    settings.AUTH_TRUST_API_GATEWAY = True  # as on AWS: the authorizer's claims are trusted
    for key in ("TF_CLI_CONFIG_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # deployer
        monkeypatch.setenv(key, stack.env[key])
    monkeypatch.setenv("TF_CLI_ARGS_init", f"-plugin-dir={stack.plugin_dir}")
    var_file = stack.workdir / "test.tfvars.json"
    var_file.write_text(tfvars_json(TEST_VARS))
    # A new image in the stack's repository (pushed as docker would, by manifest).
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"digest": "sha256:" + "2" * 64}, "layers": [],
    })  # fmt: skip
    pushed = boto("ecr").put_image(repositoryName="concert-prod-api", imageManifest=manifest,
                                   imageTag="v2")  # fmt: skip
    image = f"{outputs['ecr_repository_url']}@{pushed['image']['imageId']['imageDigest']}"
    # The deployer releases: its group's policies must allow every call of the release.
    deployer = clients(boto("lambda").meta.endpoint_url, people["deployer"])
    function = InProcessLambda(deployer("lambda"))
    common = {"terraform_dir": stack.workdir, "api_endpoint": live_server.url,
              "lambda_client": function}  # fmt: skip

    release.Release(tag="v2", image_uri=image, var_files=[str(var_file)], **common).run("release")

    lam = boto("lambda")
    live = lam.get_alias(FunctionName="concert-prod-api", Name="live")
    new = live["FunctionVersion"]
    assert new != "1" and "previous version 1" in live["Description"]
    assert lam.get_function(FunctionName="concert-prod-api", Qualifier=new)["Code"][
        "ImageUri"] == image  # fmt: skip
    # Migrations and every smoke read ran on the new version, none on the alias.
    calls = [(qualifier, event.get("manage") or event["rawPath"])
             for qualifier, event in function.invocations]  # fmt: skip
    assert calls == [(new, ["migrate", "--noinput"]), (new, "/health/ready"),
                     (new, "/api/schema"), (new, "/api/v1/events"), (new, "/api/v1/me")]
    out = capsys.readouterr().out
    assert out.index("==> 5/8 migrate") < out.index("==> 7/8 promote")

    release.Rollback(**common).run("rollback")
    live = lam.get_alias(FunctionName="concert-prod-api", Name="live")
    assert live["FunctionVersion"] == "1"
    assert live["Description"].endswith(f"previous version {new}")
    assert function.invocations[-1][0] == "1"  # the old version was smoke-tested first

    # A version that fails its smoke test never gets the alias.
    broken = lam.publish_version(FunctionName="concert-prod-api")["Version"]
    settings.ALLOWED_HOSTS = ["somewhere.else"]
    with pytest.raises(release.StepFailed, match="step 'smoke-test' failed: health"):
        release.Rollback(to=broken, **common).run("rollback")
    assert lam.get_alias(FunctionName="concert-prod-api", Name="live")["FunctionVersion"] == "1"


def test_jwks_refresh_runs_outside_the_vpc_on_a_schedule(outputs: dict[str, Any], boto) -> None:
    function = boto("lambda").get_function(FunctionName="concert-prod-jwks-refresh")
    config = function["Configuration"]
    assert not config.get("VpcConfig", {}).get("SubnetIds")  # it needs the internet
    assert config["Environment"]["Variables"] == {
        "JWT_ISSUER": f"https://cognito-idp.us-east-1.amazonaws.com/{outputs['cognito_user_pool_id']}",
        "JWT_JWKS_SECRET_ARN": outputs["jwks_secret_arn"],
    }
    events = boto("events")
    assert events.describe_rule(Name="concert-prod-jwks-refresh")["ScheduleExpression"] == (
        "rate(1 hour)")
    target = events.list_targets_by_rule(Rule="concert-prod-jwks-refresh")["Targets"][0]
    assert target["Arn"] == config["FunctionArn"]
    document = boto("iam").get_role_policy(
        RoleName="concert-prod-jwks-refresh", PolicyName="concert-prod-jwks-refresh"
    )["PolicyDocument"]
    statements = {st["Sid"]: st for st in document["Statement"]}
    assert statements["JwksSecret"]["Resource"] == outputs["jwks_secret_arn"]
    assert set(statements["JwksSecret"]["Action"]) == {
        "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}


def test_destroy_leaves_nothing(
    stack: Stack, outputs: dict[str, Any], boto, proxy_stack: Stack, proxy_moto: str
) -> None:
    proxy_stack.start_destroy()  # if test_apply_with_rds_proxy did not run
    stack.destroy()
    assert boto("lambda").list_functions()["Functions"] == []
    assert boto("s3").list_buckets()["Buckets"] == []
    assert boto("rds").describe_db_instances()["DBInstances"] == []
    assert [v for v in boto("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert boto("efs").describe_file_systems()["FileSystems"] == []
    assert boto("ecr").describe_repositories()["repositories"] == []
    assert boto("apigatewayv2").get_apis()["Items"] == []
    assert boto("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    assert boto("logs").describe_log_groups()["logGroups"] == []
    assert boto("sqs").list_queues().get("QueueUrls", []) == []
    assert boto("iam").list_roles(PathPrefix="/")["Roles"] == []
    assert boto("secretsmanager").list_secrets()["SecretList"] == []
    assert boto("sns").list_topics()["Topics"] == []
    assert boto("events").list_rules()["Rules"] == []
    # The stack with RDS Proxy: its proxy and functions are gone too.
    proxy_stack.destroy()
    proxy_boto = clients(proxy_moto, MOTO_KEYS)
    assert proxy_boto("rds").describe_db_proxies()["DBProxies"] == []
    assert proxy_boto("lambda").list_functions()["Functions"] == []
