"""docker-compose.yml mirrors production and speaks the settings' own variable names."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
AWS_SDK_VARIABLES = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_S3",
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def variables_read_by_code() -> set[str]:
    source = "\n".join(
        p.read_text() for p in [*(ROOT / "concert").rglob("*.py"), *(ROOT / "apps").rglob("*.py")]
    )
    return set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


def test_production_parts_are_mirrored_with_healthchecks():
    services = compose()["services"]
    assert services["mysql"]["image"] == "mysql:8.0"
    assert services["redis"]["image"].startswith("redis:7")
    assert services["s3"]["image"].startswith("motoserver/moto:")
    for name in ("mysql", "redis", "s3", "app"):
        assert services[name]["healthcheck"]["test"], name


def test_app_waits_for_healthy_dependencies_and_mounts_the_code():
    app = compose()["services"]["app"]
    assert app["depends_on"]["mysql"] == {"condition": "service_healthy"}
    assert app["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert "./:/var/task" in app["volumes"]
    assert app["ports"] == ["8000:8000"]
    assert "runserver 0.0.0.0:8000" in app["command"][0]


def test_lambda_service_runs_the_image_through_the_runtime_interface_emulator():
    service = compose()["services"]["lambda"]
    assert service["build"] == "."
    assert "entrypoint" not in service and "command" not in service  # the image's own CMD
    assert service["ports"] == ["9000:8080"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.splitlines()[-1] == 'CMD ["concert.lambda_handler.handler"]'
    assert "FROM public.ecr.aws/lambda/python:" in dockerfile


def test_compose_uses_only_variables_the_settings_read():
    services = compose()["services"]
    names = set(services["app"]["environment"]) | set(services["lambda"]["environment"])
    documented = documented_variables()
    assert names - AWS_SDK_VARIABLES <= documented
    assert names & documented


def test_every_documented_variable_is_read_by_the_code_and_vice_versa():
    documented = documented_variables() - AWS_SDK_VARIABLES
    assert documented == variables_read_by_code()
