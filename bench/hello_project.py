"""Writes the baseline: a minimal Django + DRF hello-world project behind the same adapter."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "manage.py": '''
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
''',
    "hello/__init__.py": "",
    "hello/settings.py": '''
import os
from urllib.parse import urlparse

SECRET_KEY = "hello-world-baseline-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "hello.urls"
WSGI_APPLICATION = "hello.wsgi.application"
_db = urlparse(os.environ["DATABASE_URL"])
DATABASES = {"default": {
    "ENGINE": "django.db.backends.mysql", "NAME": _db.path.lstrip("/"), "USER": _db.username,
    "PASSWORD": _db.password, "HOST": _db.hostname, "PORT": _db.port or 3306,
    "CONN_MAX_AGE": 300, "CONN_HEALTH_CHECKS": True, "OPTIONS": {"charset": "utf8mb4"},
}}
USE_TZ = True
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [],
                  "UNAUTHENTICATED_USER": None}
''',
    "hello/urls.py": '''
from django.db import connection
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def hello(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return Response({"hello": "world", "db": one})


urlpatterns = [path("hello", hello)]
''',
    "hello/wsgi.py": '''
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello.settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
''',
    "hello/lambda_handler.py": '''
from apig_wsgi import make_lambda_handler
from hello.wsgi import application

handler = make_lambda_handler(application, binary_support=True)
''',
}


def build(dest: Path) -> Path:
    for name, text in FILES.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())
    return dest
