"""Test-only URLs: endpoints that echo the request or fail on purpose, beside the real ones."""

from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.core.errors import Conflict


@csrf_exempt
def echo(request):
    context = request.META.get("apig_wsgi.request_context") or {}
    return JsonResponse({
        "method": request.method,
        "path": request.path,
        "script_name": request.META.get("SCRIPT_NAME", ""),
        "query": {key: request.GET.getlist(key) for key in request.GET},
        "cookies": request.COOKIES,
        "body": request.body.decode("latin-1"),
        "claims": ((context.get("authorizer") or {}).get("jwt") or {}).get("claims"),
    })


def png(request):
    return HttpResponse(b"\x89PNG\r\n\x1a\n\x00\x01\xfe", content_type="image/png")


class WidgetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    size = serializers.IntegerField(min_value=1)


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def widgets(request):
    serializer = WidgetSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    if serializer.validated_data["name"] == "taken":
        raise Conflict("That name is taken.", details={"name": "taken"})
    return Response(serializer.validated_data, status=201)


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def broken(request):
    raise RuntimeError("secret internals")


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def db_down(request):
    from django.db.utils import OperationalError

    raise OperationalError(2003, "Can't connect to MySQL server")


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def db_busy(request):
    from django.db.utils import OperationalError

    raise OperationalError(1213, "Deadlock found when trying to get lock")


urlpatterns = [
    path("db-down/", db_down),
    path("db-busy/", db_busy),
    path("echo/", echo),
    path("png/", png),
    path("widgets/", widgets),
    path("broken/", broken),
    path("", include("concert.urls")),
]
