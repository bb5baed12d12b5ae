"""Tests of deploy/iam_groups.py and its shell wrapper against moto's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO_ROOT, iam_enforced, load_script, user_with_keys

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
    parts = [f"concert-prod-deployment-{part}" for part in ("network", "data", "app", "edge")]
    assert {group: s["managed"] for group, s in state.items()} == {
        "concert-prod-admins": ["AdministratorAccess"],
        "concert-prod-developers": ["PowerUserAccess"],
        "concert-prod-testers": ["ReadOnlyAccess"],
        "concert-prod-deployment": sorted(parts),  # no AWS managed policy: the stack only
    }
    assert state["concert-prod-deployment"]["inline"] == ["deployment-passrole-self-service"]
    assert all(not s["inline"] for g, s in state.items() if g != "concert-prod-deployment")
    document = iam.get_group_policy(
        GroupName="concert-prod-deployment", PolicyName="deployment-passrole-self-service"
    )["PolicyDocument"]
    statements = {s["Sid"]: s for s in document["Statement"]}
    own_user = "arn:aws:iam::123456789012:user/${aws:username}"
    assert statements["SelfServicePasswordAndKeys"]["Resource"] == own_user
    assert "iam:ChangePassword" in statements["SelfServicePasswordAndKeys"]["Action"]
    assert own_user in statements["SelfServiceMfa"]["Resource"]
    managed = {}
    for part in parts:
        arn = f"arn:aws:iam::123456789012:policy/{part}"
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        managed.update({s["Sid"]: s for s in iam.get_policy_version(
            PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]["Statement"]})
    assert managed["PassStackRoles"]["Resource"] == "arn:aws:iam::123456789012:role/concert-prod-*"
    assert managed["PassStackRoles"]["Condition"] == {"StringEquals": {
        "iam:PassedToService": ["lambda.amazonaws.com", "rds.amazonaws.com"]}}  # fmt: skip
    assert managed["Buckets"]["Resource"] == "arn:aws:s3:::concert-prod-*"
    assert managed["NetworkDeleteOwn"]["Condition"] == {"StringEquals": {
        "aws:ResourceTag/Project": "concert", "aws:ResourceTag/Environment": "prod"}}  # fmt: skip


def test_deployment_policies_name_the_stack_and_stay_within_iam_limits() -> None:
    policies = iam_groups.deployment_policies("concert-prod", "123456789012", "aws")
    for document in policies.values():
        # IAM: a managed policy holds at most 6,144 characters, whitespace not counted.
        assert len(json.dumps(document, separators=(",", ":"))) <= 6144
        for statement in document["Statement"]:
            actions = statement["Action"]
            # Nothing that reads data or grants people rights.
            for forbidden in ("s3:GetObject", "iam:CreateUser", "iam:AttachUserPolicy",
                              "iam:AddUserToGroup", "cognito-idp:AdminAddUserToGroup",
                              "kms:Decrypt", "*"):  # fmt: skip
                assert forbidden not in actions, (statement["Sid"], forbidden)
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            for resource in resources:
                named = "concert-prod" in resource
                # A whole service's resources only where AWS names them by generated id.
                assert named or resource == "*" or resource.endswith(
                    ("/*", ":*", "::/apis", "::/domainnames", ":secgrp:default", ":secret:rds!*")
                ), (statement["Sid"], resource)
    secrets = next(s for s in policies["data"]["Statement"] if s["Sid"] == "Secrets")
    assert secrets["Resource"].endswith(":secret:concert-prod/*")  # never the database's


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
    # Detach removes the deployment group's own managed policies with the group.
    iam_groups.detach("concert-prod", state_file)
    assert iam.list_policies(Scope="Local")["Policies"] == []


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


@pytest.mark.parametrize("admin_elsewhere", [False, True])
def test_detach_never_locks_out_the_operator_running_it(
    iam, tmp_path: Path, aws_env: str, monkeypatch, admin_elsewhere: bool
) -> None:
    state_file = tmp_path / "groups.json"
    iam_groups.provision("concert-prod", state_file)
    ops = user_with_keys(iam, "ops", groups=("concert-prod-admins",),
                         policies=("AdministratorAccess",) if admin_elsewhere else ())
    user_with_keys(iam, "ana", groups=("concert-prod-admins", "concert-prod-testers"))
    for key, value in ops.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("boto3.DEFAULT_SESSION", None)  # it caches the credentials it read
    with iam_enforced(aws_env) as calls:
        iam_groups.detach("concert-prod", state_file)
        left = {g["GroupName"] for g in iam_groups.iam_client().list_groups()["Groups"]}
        # ops still administers the account: a second provision runs as ops.
        iam_groups.provision("concert-prod", state_file)
    assert "iam:DeleteGroup" in calls
    if admin_elsewhere:  # AdministratorAccess of its own: the admins group goes too, last
        assert left == set()
    else:
        assert left == {"concert-prod-admins"}
    assert json.loads(state_file.read_text())["groups"] == {
        "concert-prod-admins": ["ana", "ops"], "concert-prod-developers": [],
        "concert-prod-testers": ["ana"], "concert-prod-deployment": [],
    }  # fmt: skip
    assert group_state(iam)["concert-prod-admins"]["members"] == ["ana", "ops"]
