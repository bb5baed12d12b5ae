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
    "deployment": [],
}
DEPLOYMENT_POLICY = "deployment-passrole-self-service"
# Customer managed policies of <name>-deployment (<name>-deployment-<part>): one policy may
# hold 6,144 characters, so the stack's permissions are split by concern.
DEPLOYMENT_PARTS = ("network", "data", "app", "edge")


def iam_client() -> Any:
    import boto3

    return boto3.client("iam")


def account_and_partition() -> tuple[str, str]:
    import boto3

    arn = boto3.client("sts").get_caller_identity()["Arn"]
    parts = arn.split(":")
    return parts[4], parts[1]


def _allow(sid: str, actions: list[str], resources: list[str] | str,
           condition: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def deployment_policies(name: str, account: str, partition: str) -> dict[str, dict[str, Any]]:
    """The managed policies of <name>-deployment: plan, apply and destroy the stack named
    <name>, release it (push images, invoke and move the live alias), and nothing more.

    Resources are the stack's own, by name (<name>-*), wherever AWS names them; resources AWS
    identifies only by generated ids (VPC parts, EFS, API Gateway, Cognito, CloudFront, ACM,
    Cost Explorer) are open within their service, and EC2 parts are deleted only when tagged
    with the stack's Project and Environment. Reads of configuration (Describe*, List*) are
    account-wide; secret values, database data and user files are not readable.
    """
    project, environment = name.rsplit("-", 1)

    def arn(service: str, resource: str, region: str = "*") -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    own_tags = {"StringEquals": {"aws:ResourceTag/Project": project,
                                 "aws:ResourceTag/Environment": environment}}  # fmt: skip
    bucket = f"arn:{partition}:s3:::{name}-*"
    network = [
        _allow("ReadConfiguration", [
            "ec2:Describe*", "elasticfilesystem:Describe*", "rds:Describe*",
            "rds:ListTagsForResource", "elasticache:Describe*", "elasticache:ListTagsForResource",
            "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:ListLogDeliveries",
            "logs:GetLogDelivery", "lambda:ListFunctions", "cognito-idp:ListUserPools",
            "cognito-idp:DescribeUserPoolDomain", "secretsmanager:GetRandomPassword",
            "secretsmanager:ListSecrets", "sts:GetCallerIdentity", "ecr:GetAuthorizationToken",
            "cloudfront:ListDistributions", "acm:ListCertificates", "route53:ListHostedZones",
        ], "*"),
        _allow("NetworkCreate", [
            "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateRouteTable",
            "ec2:CreateSecurityGroup", "ec2:CreateVpcEndpoint", "ec2:CreateTags",
            "ec2:AssociateRouteTable", "ec2:ModifyVpcAttribute", "ec2:ModifySubnetAttribute",
            "ec2:ModifyVpcEndpoint", "ec2:AuthorizeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress", "ec2:ModifySecurityGroupRules",
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
        ], "*"),
        _allow("NetworkDeleteOwn", [
            "ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteRouteTable",
            "ec2:DeleteSecurityGroup", "ec2:DeleteVpcEndpoints", "ec2:DisassociateRouteTable",
            "ec2:DeleteTags",
        ], "*", own_tags),
        _allow("PictureFileSystem", [
            "elasticfilesystem:CreateFileSystem", "elasticfilesystem:DeleteFileSystem",
            "elasticfilesystem:UpdateFileSystem", "elasticfilesystem:CreateMountTarget",
            "elasticfilesystem:DeleteMountTarget",
            "elasticfilesystem:ModifyMountTargetSecurityGroups",
            "elasticfilesystem:CreateAccessPoint", "elasticfilesystem:DeleteAccessPoint",
            "elasticfilesystem:PutLifecycleConfiguration", "elasticfilesystem:PutBackupPolicy",
            "elasticfilesystem:PutFileSystemPolicy", "elasticfilesystem:DeleteFileSystemPolicy",
            "elasticfilesystem:TagResource", "elasticfilesystem:UntagResource",
        ], [arn("elasticfilesystem", "file-system/*"), arn("elasticfilesystem", "access-point/*")]),
        _allow("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], "*", {
            "StringEquals": {"iam:AWSServiceName": [
                "rds.amazonaws.com", "elasticache.amazonaws.com",
                "elasticfilesystem.amazonaws.com",
            ]},
        }),
    ]  # fmt: skip
    data = [
        _allow("Database", [
            "rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
            "rds:RebootDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
            "rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup",
            "rds:ResetDBParameterGroup", "rds:DeleteDBParameterGroup",
            "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
            "rds:CreateDBSnapshot", "rds:CreateDBProxy", "rds:ModifyDBProxy",
            "rds:DeleteDBProxy", "rds:RegisterDBProxyTargets", "rds:DeregisterDBProxyTargets",
            "rds:ModifyDBProxyTargetGroup",
        ], [arn("rds", f"db:{name}"), arn("rds", f"db:{name}-*"), arn("rds", f"pg:{name}-*"),
            arn("rds", f"subgrp:{name}"), arn("rds", f"snapshot:{name}-*"),
            arn("rds", "og:default:*"), arn("rds", "secgrp:default"),
            arn("rds", "db-proxy:*"), arn("rds", "target-group:*")]),
        _allow("Cache", [
            "elasticache:CreateServerlessCache", "elasticache:ModifyServerlessCache",
            "elasticache:DeleteServerlessCache", "elasticache:AddTagsToResource",
            "elasticache:RemoveTagsFromResource",
        ], [arn("elasticache", f"serverlesscache:{name}")]),
        _allow("Buckets", [
            "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions",
            "s3:GetBucket*", "s3:PutBucket*", "s3:DeleteBucketPolicy",
            "s3:DeleteBucketOwnershipControls", "s3:GetLifecycleConfiguration",
            "s3:PutLifecycleConfiguration", "s3:GetEncryptionConfiguration",
            "s3:PutEncryptionConfiguration", "s3:GetAccelerateConfiguration",
            "s3:GetReplicationConfiguration",
        ], bucket),
        # force_destroy empties the buckets; the front end is synced into its bucket.
        _allow("BucketObjectsCleanup", ["s3:DeleteObject", "s3:DeleteObjectVersion"],
               f"{bucket}/*"),
        _allow("FrontEndUpload", ["s3:PutObject"], f"arn:{partition}:s3:::{name}-frontend-*/*"),
        _allow("Secrets", [
            "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret",
            "secretsmanager:RestoreSecret", "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy", "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret", "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            # Terraform reads the SECRET_KEY version it created; the database secret stays
            # unreadable (RDS makes it: rds!db-...).
            "secretsmanager:GetSecretValue",
        ], arn("secretsmanager", f"secret:{name}/*")),
        _allow("DatabaseSecret", ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
               arn("secretsmanager", "secret:rds!*")),
    ]  # fmt: skip
    function = [arn("lambda", f"function:{name}-*"), arn("lambda", f"function:{name}-*:*")]
    app = [
        _allow("Function", [
            "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
            "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
            "lambda:ListVersionsByFunction", "lambda:PublishVersion", "lambda:CreateAlias",
            "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias",
            "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
            "lambda:InvokeFunction", "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency", "lambda:GetFunctionConcurrency",
            "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
            "lambda:GetRuntimeManagementConfig",
        ], function),
        _allow("HttpApi", ["apigateway:GET", "apigateway:POST", "apigateway:PATCH",
                           "apigateway:PUT", "apigateway:DELETE"],
               [f"arn:{partition}:apigateway:*::/apis", f"arn:{partition}:apigateway:*::/apis/*",
                f"arn:{partition}:apigateway:*::/domainnames",
                f"arn:{partition}:apigateway:*::/domainnames/*",
                f"arn:{partition}:apigateway:*::/tags/*"]),
        _allow("LogGroups", [
            "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource",
            "logs:TagLogGroup", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
        ], [arn("logs", f"log-group:{group}") for group in (
            f"/aws/lambda/{name}-*", f"{name}-*", f"/aws/rds/instance/{name}/*",
            f"/aws/rds/proxy/{name}*")]),
        # API Gateway writes access logs through a log delivery (CloudWatch Logs' rule).
        _allow("AccessLogDelivery", [
            "logs:CreateLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:PutResourcePolicy",
        ], "*"),
        _allow("Roles", [
            "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy",
            "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
        ], f"arn:{partition}:iam::{account}:role/{name}-*"),
        _allow("PassStackRoles", ["iam:PassRole"], f"arn:{partition}:iam::{account}:role/{name}-*",
               {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com",
                                                         "rds.amazonaws.com"]}}),
        _allow("Images", [
            "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
            "ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy",
            "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
            "ecr:TagResource", "ecr:UntagResource", "ecr:ListTagsForResource",
            "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
            "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages",
            "ecr:ListImages", "ecr:BatchDeleteImage",
        ], arn("ecr", f"repository/{name}-*")),
        _allow("Messaging", [
            "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes",
            "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe",
            "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:TagResource",
            "sns:UntagResource", "sns:ListTagsForResource", "sqs:CreateQueue",
            "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
            "sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue",
        ], [arn("sns", f"{name}-*"), arn("sqs", f"{name}-*")]),
        _allow("Schedules", [
            "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule",
            "events:DisableRule", "events:PutTargets", "events:RemoveTargets",
            "events:ListTargetsByRule", "events:TagResource", "events:UntagResource",
            "events:ListTagsForResource",
        ], arn("events", f"rule/{name}-*")),
        _allow("Monitoring", [
            "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
            "cloudwatch:TagResource", "cloudwatch:UntagResource",
            "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard",
            "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards",
        ], [arn("cloudwatch", f"alarm:{name}-*"), f"arn:{partition}:cloudwatch::{account}:"
            f"dashboard/{name}-*"]),
    ]  # fmt: skip
    edge = [
        # Pool, clients and role groups; never users or their group memberships (app roles).
        _allow("UserPool", [
            "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool",
            "cognito-idp:DeleteUserPool", "cognito-idp:GetUserPoolMfaConfig",
            "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:CreateUserPoolClient",
            "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient",
            "cognito-idp:DeleteUserPoolClient", "cognito-idp:CreateGroup", "cognito-idp:GetGroup",
            "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup", "cognito-idp:TagResource",
            "cognito-idp:UntagResource", "cognito-idp:ListTagsForResource",
        ], [arn("cognito-idp", "userpool/*")]),
        _allow("UserPoolCreate", ["cognito-idp:CreateUserPool", "cognito-idp:CreateUserPoolDomain",
                                  "cognito-idp:DeleteUserPoolDomain"], "*"),
        _allow("FrontEnd", [
            "cloudfront:CreateDistribution", "cloudfront:GetDistribution",
            "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution",
            "cloudfront:DeleteDistribution", "cloudfront:TagResource",
            "cloudfront:UntagResource", "cloudfront:ListTagsForResource",
            "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation",
            "cloudfront:CreateOriginAccessControl", "cloudfront:GetOriginAccessControl",
            "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl",
        ], [f"arn:{partition}:cloudfront::{account}:distribution/*",
            f"arn:{partition}:cloudfront::{account}:origin-access-control/*"]),
        _allow("ApiDomain", [
            "acm:RequestCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate",
            "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate",
            "acm:ListTagsForCertificate", "route53:ChangeResourceRecordSets",
            "route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:GetChange",
        ], [arn("acm", "certificate/*"), f"arn:{partition}:route53:::hostedzone/*",
            f"arn:{partition}:route53:::change/*"]),
        _allow("CostGuards", ["budgets:ViewBudget", "budgets:ModifyBudget",
                              "budgets:ListTagsForResource", "budgets:TagResource",
                              "budgets:UntagResource"],
               f"arn:{partition}:budgets::{account}:budget/{name}-*"),
        _allow("CostAnomalies", ["ce:*Anomaly*", "ce:TagResource", "ce:UntagResource",
                                 "ce:ListTagsForResource"],
               [f"arn:{partition}:ce::{account}:anomalymonitor/*",
                f"arn:{partition}:ce::{account}:anomalysubscription/*"]),
    ]  # fmt: skip
    parts = dict(zip(DEPLOYMENT_PARTS, (network, data, app, edge), strict=True))
    return {part: {"Version": "2012-10-17", "Statement": statements}
            for part, statements in parts.items()}  # fmt: skip


def deployment_policy(name: str, account: str, partition: str) -> dict[str, Any]:
    """Inline policy of <name>-deployment: its members manage their own password, keys, MFA."""
    me = f"arn:{partition}:iam::{account}:user/${{aws:username}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
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


def caller_user(sts: Any) -> str | None:
    """User name of the caller, or None when it is not an IAM user (a role, root)."""
    arn = sts.get_caller_identity()["Arn"]
    resource = arn.split(":", 5)[-1]
    return resource.split("/")[-1] if resource.startswith("user/") else None


def admin_elsewhere(iam: Any, user: str, managed: set[str]) -> bool:
    """Whether the user holds AdministratorAccess outside the groups this tool manages."""
    attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    if any(policy["PolicyName"] == "AdministratorAccess" for policy in attached):
        return True
    for group in iam.list_groups_for_user(UserName=user)["Groups"]:
        if group["GroupName"] in managed:
            continue
        policies = iam.list_attached_group_policies(GroupName=group["GroupName"])
        if any(p["PolicyName"] == "AdministratorAccess" for p in policies["AttachedPolicies"]):
            return True
    return False


def delete_group(iam: Any, group: str, users: list[str]) -> None:
    """Delete the group, and the customer managed policies this tool made for it."""
    for policy in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]:
        iam.detach_group_policy(GroupName=group, PolicyArn=policy["PolicyArn"])
        if policy["PolicyName"].startswith(f"{group}-"):
            delete_managed_policy(iam, policy["PolicyArn"])
    for policy_name in iam.list_group_policies(GroupName=group)["PolicyNames"]:
        iam.delete_group_policy(GroupName=group, PolicyName=policy_name)
    for user in users:
        iam.remove_user_from_group(GroupName=group, UserName=user)
    iam.delete_group(GroupName=group)


def detach(name: str, state_file: Path) -> None:
    """Save each group's members to the state file, then delete the groups.

    The admins group goes last, and stays (members and policies intact) while the operator
    running this is one of its members with no other way to administer the account:
    deleting it would take away the rights this tool and `provision` run with.
    """
    import boto3

    iam = iam_client()
    saved = load_state(state_file)
    groups = group_names(name)
    operator = caller_user(boto3.client("sts"))
    for suffix in sorted(groups, key=lambda suffix: suffix == "admins"):
        group = groups[suffix]
        users = members(iam, group)
        if users is None:
            print(f"{group}: absent, keeping {len(saved.get(group, []))} saved member(s)")
            continue
        saved[group] = users
        state_file.write_text(json.dumps({"name": name, "groups": saved}, indent=2) + "\n")
        if (suffix == "admins" and operator in users
                and not admin_elsewhere(iam, operator, set(groups.values()))):  # fmt: skip
            print(f"{group}: saved {len(users)} member(s), group kept: you ({operator}) "
                  "administer the account through it")  # fmt: skip
            continue
        delete_group(iam, group, users)
        print(f"{group}: saved {len(users)} member(s), group deleted")
    print(f"state saved in {state_file}")


def put_managed_policy(iam: Any, arn: str, name: str, document: dict[str, Any]) -> None:
    """Create the customer managed policy, or make `document` its default version."""
    text = json.dumps(document, separators=(",", ":"))
    try:
        iam.create_policy(PolicyName=name, PolicyDocument=text,
                          Description="Deploy and release the stack of the same name")  # fmt: skip
        return
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    old = sorted((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
    if len(versions) >= 5:  # IAM keeps five versions of a policy
        iam.delete_policy_version(PolicyArn=arn, VersionId=old[0]["VersionId"])
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)


def delete_managed_policy(iam: Any, arn: str) -> None:
    try:
        for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if not version["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
        iam.delete_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        pass


def provision(name: str, state_file: Path) -> None:
    """Create the groups with their policies and add back the members from the state file."""
    iam = iam_client()
    account, partition = account_and_partition()
    saved = load_state(state_file)
    for suffix, group in group_names(name).items():
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_group(GroupName=group)
        policies = [f"arn:{partition}:iam::aws:policy/{policy}" for policy in GROUPS[suffix]]
        if suffix == "deployment":
            for part, document in deployment_policies(name, account, partition).items():
                policy_name = f"{group}-{part}"
                policy_arn = f"arn:{partition}:iam::{account}:policy/{policy_name}"
                put_managed_policy(iam, policy_arn, policy_name, document)
                policies.append(policy_arn)
            iam.put_group_policy(
                GroupName=group,
                PolicyName=DEPLOYMENT_POLICY,
                PolicyDocument=json.dumps(deployment_policy(name, account, partition)),
            )
        for policy_arn in policies:
            iam.attach_group_policy(GroupName=group, PolicyArn=policy_arn)
        restored = 0
        for user in saved.get(group, []):
            try:
                iam.add_user_to_group(GroupName=group, UserName=user)
                restored += 1
            except iam.exceptions.NoSuchEntityException:
                print(f"{group}: user {user} no longer exists, skipped", file=sys.stderr)
        shown = ", ".join(policy.rsplit("/", 1)[1] for policy in policies)
        print(f"{group}: policies {shown}, {restored} member(s) restored")


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
