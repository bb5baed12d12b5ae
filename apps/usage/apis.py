"""Usage report endpoint: the caller's API requests per day, endpoint group and key."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope, is_staff
from apps.core.errors import NotFound, PermissionDenied
from apps.usage.selectors import usage_report
from concert.api import fields
from concert.api.annotations import extend_schema
from concert.api.schema import error_responses

MAX_REPORT_DAYS = 92
DEFAULT_REPORT_DAYS = 7


class UsageQuerySerializer(serializers.Serializer):
    to = serializers.DateField(required=False)
    group = serializers.RegexField(r"^[a-z0-9][a-z0-9_-]{0,39}$", required=False)
    user = fields.IntegerField(min_value=1, required=False)

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        return {"from": serializers.DateField(required=False), **super().get_fields()}

    def validate(self, attrs):
        date_to = attrs.get("to") or timezone.now().date()
        date_from = attrs.get("from") or date_to - timedelta(days=DEFAULT_REPORT_DAYS - 1)
        if date_from > date_to:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        if (date_to - date_from).days >= MAX_REPORT_DAYS:
            raise serializers.ValidationError(
                {"from": [f"Ask for at most {MAX_REPORT_DAYS} days at a time."]}
            )
        return {**attrs, "from": date_from, "to": date_to}


USAGE_ROW_FIELDS = {
    "day": serializers.DateField(),
    "group": serializers.CharField(help_text="First path segment after /api/v1/."),
    "license_key": serializers.IntegerField(
        allow_null=True, help_text="The key the requests came with; null for the account."
    ),
    "count": serializers.IntegerField(),
}
UsageReportSerializer = inline_serializer(
    name="UsageReport",
    fields={
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "user": serializers.IntegerField(),
        "license_key": serializers.IntegerField(allow_null=True),
        "total": serializers.IntegerField(),
        "results": inline_serializer(name="UsageRow", fields=USAGE_ROW_FIELDS, many=True),
    },
)


class UsageApi(APIView):
    license_scope = "usage"
    permission_classes = [IsAuthenticated, LicenseScope]

    @extend_schema(
        operation_id="usage_report",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day (YYYY-MM-DD); "
                             "default six days before `to`."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last UTC day; default today."),
            OpenApiParameter("group", str, description="Only this endpoint group."),
            OpenApiParameter("user", int, description="Staff only: another account's usage."),
        ],
        responses={200: UsageReportSerializer,
                   **error_responses(400, 401, 403, 404, 429)},
        tags=["usage"],
        summary="Requests per UTC day and endpoint group, today's included before flushing.",
        description="With a license key (scope `usage:read`) only that key's requests.",
    )
    def get(self, request):
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        key = request.auth if hasattr(request.auth, "scopes") else None
        account = request.user
        if params.get("user", account.pk) != account.pk:
            if key is not None or not is_staff(account):
                raise PermissionDenied("Only staff may read another account's usage.")
            account = get_user_model().objects.filter(pk=params["user"]).first()
            if account is None:
                raise NotFound("No such user.")
        rows = usage_report(user=account, license_key=key, date_from=params["from"],
                            date_to=params["to"], group=params.get("group"))
        return Response({
            "from": params["from"], "to": params["to"], "user": account.pk,
            "license_key": getattr(key, "pk", None),
            "total": sum(row["count"] for row in rows), "results": rows,
        })
