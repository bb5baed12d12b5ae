"""IAM group maintenance: save members and remove the groups (detach), recreate them (provision)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

# Group suffix -> AWS managed policies attached to it.
GROUPS: dict[str, list[str]] = {
    "admins": ["AdministratorAccess"],
    "developers": ["PowerUserAccess"],
    "testers": ["ReadOnlyAccess"],
    "deployment": ["PowerUserAccess"],
}
DEPLOYMENT_POLICY = "deployment-passrole-self-service"


def iam_client() -> Any:
    import boto3

    return boto3.client("iam")


def account_and_partition() -> tuple[str, str]:
    import boto3

    arn = boto3.client("sts").get_caller_identity()["Arn"]
    parts = arn.split(":")
    return parts[4], parts[1]


def deployment_policy(name: str, account: str, partition: str) -> dict[str, Any]:
    """Inline policy of <name>-deployment: pass the stack's roles to Lambda, manage oneself."""
    me = f"arn:{partition}:iam::{account}:user/${{aws:username}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassStackRolesToLambda",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:{partition}:iam::{account}:role/{name}-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            },
            {
                "Sid": "SelfServicePasswordAndKeys",
                "Effect": "Allow",
                "Action": [
                    "iam:ChangePassword",
                    "iam:GetUser",
                    "iam:GetAccessKeyLastUsed",
                    "iam:ListAccessKeys",
                    "iam:CreateAccessKey",
                    "iam:DeleteAccessKey",
                    "iam:UpdateAccessKey",
                ],
                "Resource": me,
            },
            {
                "Sid": "SelfServiceMfa",
                "Effect": "Allow",
                "Action": [
                    "iam:ListMFADevices",
                    "iam:CreateVirtualMFADevice",
                    "iam:DeleteVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:DeactivateMFADevice",
                    "iam:ResyncMFADevice",
                ],
                "Resource": [me, f"arn:{partition}:iam::{account}:mfa/${{aws:username}}"],
            },
        ],
    }


def group_names(name: str) -> dict[str, str]:
    return {suffix: f"{name}-{suffix}" for suffix in GROUPS}


def members(iam: Any, group: str) -> list[str] | None:
    """User names in the group, or None when the group does not exist."""
    users: list[str] = []
    try:
        for page in iam.get_paginator("get_group").paginate(GroupName=group):
            users += [user["UserName"] for user in page["Users"]]
    except iam.exceptions.NoSuchEntityException:
        return None
    return sorted(users)


def load_state(path: Path) -> dict[str, list[str]]:
    return json.loads(path.read_text())["groups"] if path.is_file() else {}


def detach(name: str, state_file: Path) -> None:
    """Save each group's members to the state file, then delete the groups."""
    iam = iam_client()
    saved = load_state(state_file)
    for group in group_names(name).values():
        users = members(iam, group)
        if users is None:
            print(f"{group}: absent, keeping {len(saved.get(group, []))} saved member(s)")
            continue
        saved[group] = users
        state_file.write_text(json.dumps({"name": name, "groups": saved}, indent=2) + "\n")
        for policy in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]:
            iam.detach_group_policy(GroupName=group, PolicyArn=policy["PolicyArn"])
        for policy_name in iam.list_group_policies(GroupName=group)["PolicyNames"]:
            iam.delete_group_policy(GroupName=group, PolicyName=policy_name)
        for user in users:
            iam.remove_user_from_group(GroupName=group, UserName=user)
        iam.delete_group(GroupName=group)
        print(f"{group}: saved {len(users)} member(s), group deleted")
    print(f"state saved in {state_file}")


def provision(name: str, state_file: Path) -> None:
    """Create the groups with their policies and add back the members from the state file."""
    iam = iam_client()
    account, partition = account_and_partition()
    saved = load_state(state_file)
    for suffix, group in group_names(name).items():
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_group(GroupName=group)
        for policy in GROUPS[suffix]:
            iam.attach_group_policy(
                GroupName=group, PolicyArn=f"arn:{partition}:iam::aws:policy/{policy}"
            )
        if suffix == "deployment":
            iam.put_group_policy(
                GroupName=group,
                PolicyName=DEPLOYMENT_POLICY,
                PolicyDocument=json.dumps(deployment_policy(name, account, partition)),
            )
        restored = 0
        for user in saved.get(group, []):
            try:
                iam.add_user_to_group(GroupName=group, UserName=user)
                restored += 1
            except iam.exceptions.NoSuchEntityException:
                print(f"{group}: user {user} no longer exists, skipped", file=sys.stderr)
        print(f"{group}: policies {', '.join(GROUPS[suffix])}, {restored} member(s) restored")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["detach", "provision"])
    parser.add_argument("--name", default="concert-prod", help="group name prefix")
    parser.add_argument(
        "--state-file", type=Path, help="members file (default: ./<name>-iam-groups.json)"
    )
    args = parser.parse_args(argv)
    state_file = args.state_file or Path(f"{args.name}-iam-groups.json")
    try:
        (detach if args.action == "detach" else provision)(args.name, state_file)
    except Exception as error:  # one clear line for the operator, not a traceback
        print(f"iam-groups {args.action} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
