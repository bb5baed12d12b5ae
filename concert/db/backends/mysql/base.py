"""MySQL backend that reads user and password from an RDS-managed Secrets Manager secret."""

from __future__ import annotations

from django.db.backends.mysql import base
from MySQLdb import OperationalError

from concert import aws

ACCESS_DENIED = 1045


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        try:
            secret = aws.secret_json(self.settings_dict["SECRET_ARN"])
        except Exception as exc:
            # Surfaces as django.db.utils.OperationalError: the API answers 503, not 500.
            raise OperationalError(2003, f"database credentials unavailable: {exc}") from exc
        params["user"] = secret["username"]
        params["password"] = secret["password"]
        return params

    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except OperationalError as exc:
            # RDS rotates the managed password: on "access denied" read the secret again once.
            if exc.args[0] != ACCESS_DENIED:
                raise
            aws.forget_secrets()
            return super().get_new_connection(self.get_connection_params())
