"""Tests of deploy/iam_groups.py and its shell wrapper against moto's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO_ROOT, load_script

iam_groups = load_script("iam_groups")
GROUPS = ["concert-prod-admins", "concert-prod-developers", "concert-prod-testers",
          "concert-prod-deployment"]  # fmt: skip


@pytest.fixture
def iam(aws_env: str):
    boto3 = pytest.importorskip("boto3")
    return boto3.client("iam")


def group_state(iam) -> dict[str, dict]:
    """What exists: members, managed policy names and inline policies of each group."""
    names = {g["GroupName"] for g in iam.list_groups()["Groups"]}
    return {
        group: {
            "members": sorted(u["UserName"] for u in iam.get_group(GroupName=group)["Users"]),
            "managed": sorted(
                p["PolicyName"]
                for p in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]
            ),
            "inline": iam.list_group_policies(GroupName=group)["PolicyNames"],
        }
        for group in sorted(names)
    }


def test_provision_creates_the_groups_with_their_policies(iam, tmp_path: Path) -> None:
    iam_groups.provision("concert-prod", tmp_path / "state.json")
    state = group_state(iam)
    assert {group: s["managed"] for group, s in state.items()} == {
        "concert-prod-admins": ["AdministratorAccess"],
        "concert-prod-developers": ["PowerUserAccess"],
        "concert-prod-testers": ["ReadOnlyAccess"],
        "concert-prod-deployment": ["PowerUserAccess"],
    }
    assert state["concert-prod-deployment"]["inline"] == ["deployment-passrole-self-service"]
    assert all(not s["inline"] for g, s in state.items() if g != "concert-prod-deployment")
    document = iam.get_group_policy(
        GroupName="concert-prod-deployment", PolicyName="deployment-passrole-self-service"
    )["PolicyDocument"]
    statements = {s["Sid"]: s for s in document["Statement"]}
    pass_role = statements["PassStackRolesToLambda"]
    assert pass_role["Action"] == "iam:PassRole"
    assert pass_role["Resource"] == "arn:aws:iam::123456789012:role/concert-prod-*"
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    own_user = "arn:aws:iam::123456789012:user/${aws:username}"
    assert statements["SelfServicePasswordAndKeys"]["Resource"] == own_user
    assert "iam:ChangePassword" in statements["SelfServicePasswordAndKeys"]["Action"]
    assert own_user in statements["SelfServiceMfa"]["Resource"]


def test_detach_then_provision_keeps_members_and_both_are_idempotent(iam, tmp_path: Path) -> None:
    state_file = tmp_path / "groups.json"
    iam_groups.provision("concert-prod", state_file)
    for user, group in [("ana", "admins"), ("dev", "developers"), ("dev2", "developers"),
                        ("ci", "deployment")]:  # fmt: skip
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName=f"concert-prod-{group}", UserName=user)
    before = group_state(iam)

    iam_groups.detach("concert-prod", state_file)
    iam_groups.detach("concert-prod", state_file)  # second run: nothing to do, state kept
    assert group_state(iam) == {}
    assert json.loads(state_file.read_text())["groups"] == {
        "concert-prod-admins": ["ana"],
        "concert-prod-developers": ["dev", "dev2"],
        "concert-prod-testers": [],
        "concert-prod-deployment": ["ci"],
    }
    assert {u["UserName"] for u in iam.list_users()["Users"]} == {"ana", "dev", "dev2", "ci"}

    iam_groups.provision("concert-prod", state_file)
    iam_groups.provision("concert-prod", state_file)  # second run changes nothing
    assert group_state(iam) == before


def test_provision_skips_users_deleted_meanwhile(iam, tmp_path: Path, capsys) -> None:
    state_file = tmp_path / "groups.json"
    saved = {"concert-prod-testers": ["gone", "qa"]}
    state_file.write_text(json.dumps({"name": "concert-prod", "groups": saved}))
    iam.create_user(UserName="qa")
    iam_groups.provision("concert-prod", state_file)
    assert group_state(iam)["concert-prod-testers"]["members"] == ["qa"]
    assert "user gone no longer exists, skipped" in capsys.readouterr().err


def test_wrapper_script_runs_the_tool_with_a_name_prefix(iam, tmp_path: Path) -> None:
    wrapper = REPO_ROOT / "deploy" / "iam-group-maintenance.sh"
    env = {**os.environ, "PYTHON": sys.executable}
    args = ["--name", "concert-staging", "--state-file", str(tmp_path / "s.json")]
    for action in ("provision", "detach"):
        result = subprocess.run(
            [str(wrapper), action, *args], env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        if action == "provision":
            assert {g["GroupName"] for g in iam.list_groups()["Groups"]} == {
                "concert-staging-admins", "concert-staging-developers",
                "concert-staging-testers", "concert-staging-deployment",
            }  # fmt: skip
    assert iam.list_groups()["Groups"] == []
    assert "concert-staging-admins: saved 0 member(s), group deleted" in result.stdout


def test_failure_is_one_line_and_nonzero(iam, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert iam_groups.main(["provision", "--state-file", str(tmp_path / "s.json")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("iam-groups provision failed: ")
