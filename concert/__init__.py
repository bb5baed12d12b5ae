"""The Concert Django project: settings, URLs, WSGI and Lambda entry points."""
