"""Database connections: TLS that verifies the server, and session state RDS Proxy tracks.

TLS runs against a MariaDB server of the test's own (a second mariadbd on loopback, with a
certificate from a test CA); the suite's own MariaDB, without TLS, keeps working with the
local settings (no DB_SSL_MODE), as every other test shows.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.mysql.base import DatabaseWrapper

from concert.config import ConfigError, database_from_env, mysql_options

pytestmark = [pytest.mark.mysql, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[2]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer_name, issuer_key, public_key, *, ca, names=()):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, *objects) -> Path:
    blobs = [o.public_bytes(serialization.Encoding.PEM) if isinstance(o, x509.Certificate)
             else o.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()) for o in objects]
    path.write_bytes(b"".join(blobs))
    return path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A mariadbd that requires TLS, its certificate for `localhost`, `vm` and 127.0.0.1."""
    mariadbd, install = shutil.which("mariadbd"), shutil.which("mariadb-install-db")
    if not (mariadbd and install):
        pytest.skip("mariadbd is not installed")
    root = tmp_path_factory.mktemp("tls-db")
    keys = {n: rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for n in ("ca", "server", "other")}
    ca = _certificate(_name("Test RDS CA"), _name("Test RDS CA"), keys["ca"],
                      keys["ca"].public_key(), ca=True)
    other_ca = _certificate(_name("Other CA"), _name("Other CA"), keys["other"],
                            keys["other"].public_key(), ca=True)
    host = socket.gethostname()
    server = _certificate(_name("db"), ca.subject, keys["ca"], keys["server"].public_key(),
                          ca=False, names=[x509.DNSName(host), x509.IPAddress(
                              ipaddress.ip_address("127.0.0.1"))])
    files = {"ca": _write(root / "ca.pem", ca), "other": _write(root / "other.pem", other_ca),
             "cert": _write(root / "server.pem", server),
             "key": _write(root / "server-key.pem", keys["server"])}
    data = root / "data"
    subprocess.run([install, "--no-defaults", f"--datadir={data}", "--user=root",
                    "--skip-test-db"], check=True, capture_output=True, timeout=120)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [mariadbd, "--no-defaults", f"--datadir={data}", "--user=root", f"--port={port}",
         "--bind-address=127.0.0.1", f"--socket={root / 'sock'}", "--skip-grant-tables",
         "--skip-log-bin", "--require-secure-transport=ON", f"--ssl-ca={files['ca']}",
         f"--ssl-cert={files['cert']}", f"--ssl-key={files['key']}",
         f"--log-error={root / 'error.log'}", f"--pid-file={root / 'pid'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield {"host": host, "port": port, **files}
    finally:
        process.terminate()
        process.wait(timeout=30)


def connect(server, *, host, ssl_mode, ca):
    wrapper = DatabaseWrapper({
        **settings.DATABASES["default"], "HOST": host, "PORT": server["port"], "NAME": "mysql",
        "USER": "root", "PASSWORD": "", "CONN_MAX_AGE": 0,
        **mysql_options(ssl_mode, str(ca)),
    }, alias="tls")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
            return cursor.fetchone()[1]
    finally:
        wrapper.close()


def test_the_rds_settings_verify_the_server_certificate_and_name(tls_server):
    # What the function uses on RDS: VERIFY_IDENTITY against the CA bundle in the image.
    assert connect(tls_server, host=tls_server["host"], ssl_mode="VERIFY_IDENTITY",
                   ca=tls_server["ca"]).startswith("TLSv1.")
    with pytest.raises(OperationalError):  # a server whose certificate another CA signed
        connect(tls_server, host=tls_server["host"], ssl_mode="VERIFY_IDENTITY",
                ca=tls_server["other"])


def test_a_server_without_tls_is_refused_when_tls_is_asked_for(tls_server):
    # The suite's own MariaDB has no TLS: the RDS settings never fall back to plain text.
    db = settings.DATABASES["default"]
    wrapper = DatabaseWrapper({**db, "CONN_MAX_AGE": 0,
                               **mysql_options("VERIFY_IDENTITY", str(tls_server["ca"]))},
                              alias="plain")
    with pytest.raises(OperationalError):
        wrapper.ensure_connection()
    wrapper.close()


def test_rds_defaults_and_refusals(monkeypatch, tmp_path):
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    env = _Env({"DB_SECRET_ARN": "arn:secret", "DB_HOST": "db.example.com", "DB_NAME": "c",
                "DB_SSL_CA": str(bundle)})
    options = database_from_env(env, base_dir=tmp_path, production=True)["OPTIONS"]
    assert (options["ssl_mode"], options["ssl"]) == ("VERIFY_IDENTITY", {"ca": str(bundle)})
    with pytest.raises(ConfigError, match="needs DB_SSL_CA"):
        database_from_env(_Env({**env.values, "DB_SSL_CA": str(tmp_path / "missing.pem")}),
                          base_dir=tmp_path, production=True)
    with pytest.raises(ConfigError, match="DB_SSL_MODE must be one of"):
        mysql_options("ON")
    # Locally, without DB_SSL_MODE, no TLS is asked for.
    local = database_from_env(_Env({"DATABASE_URL": "mysql://u:p@127.0.0.1/c"}),
                              base_dir=tmp_path, production=False)["OPTIONS"]
    assert "ssl_mode" not in local and "ssl" not in local


class _Env:
    """The few django-environ reads database_from_env makes, from a dict."""

    def __init__(self, values):
        self.values = values

    def str(self, name, default=""):
        return self.values.get(name, default)

    def int(self, name, default=0):
        return int(self.values.get(name, default))

    def db_url(self, name):
        import environ

        return environ.Env.db_url_config(self.values[name])


# --- RDS Proxy pinning ---------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html, "What RDS
# Proxy tracks for RDS for MariaDB and RDS for MySQL databases": setting these at session
# scope does not pin; setting any other variable does, as do LOCK TABLES, GET_LOCK,
# temporary tables, prepared statements, executable comments and statements over 16 KB.
TRACKED = {"autocommit", "auto_increment_increment", "character set", "char set",
           "character_set_client", "character_set_database", "character_set_filesystem",
           "character_set_connection", "character_set_results", "character_set_server",
           "collation_connection", "collation_database", "collation_server",
           "interactive_timeout", "names", "net_write_timeout", "query_cache_type",
           "session_track_schema", "sql_mode", "time_zone", "transaction_isolation",
           "tx_isolation", "transaction_read_only", "tx_read_only", "wait_timeout"}
PINNING_SQL = re.compile(r"\bLOCK\s+TABLES?\b|\bGET_LOCK\s*\(|\bTEMPORARY\s+TABLE\b|"
                         r"\bFOUND_ROWS\s*\(|\bROW_COUNT\s*\(|/\*[M]?!|\bPREPARE\b", re.I)


def variables_set(statement: str) -> set[str]:
    """The session variables a SET statement assigns (SET TRANSACTION at session scope is
    transaction_isolation; at the next-transaction scope it pins, and is reported so)."""
    body = statement.strip().rstrip(";")
    if re.fullmatch(r"SET\s+SESSION\s+TRANSACTION\s+ISOLATION\s+LEVEL\s+[A-Z ]+", body, re.I):
        return {"transaction_isolation"}
    if re.match(r"SET\s+TRANSACTION\b", body, re.I):
        return {"next-transaction isolation"}
    if re.match(r"SET\s+NAMES\b", body, re.I):
        return {"names"}
    assignments = re.sub(r"^SET\s+", "", body, flags=re.I).split(",")
    return {re.sub(r"^(SESSION\s+|@@SESSION\.|@@)", "", a.split("=")[0].strip(), flags=re.I)
            .lower() for a in assignments}


def test_what_django_sends_on_connect_pins_no_proxied_connection():
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "CONN_MAX_AGE": 0},
                              alias="probe")
    wrapper.execute_wrappers.append(record)
    wrapper.ensure_connection()
    wrapper.close()
    # init_command runs in the client library; mysqlclient sets the charset and autocommit
    # through the C API (SET NAMES, SET autocommit), both tracked.
    options = settings.DATABASES["default"]["OPTIONS"]
    statements = [options["init_command"], "SET NAMES utf8mb4", "SET autocommit=1", *sent]
    assert "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED" in sent
    sets = [s for s in statements if s.lstrip().upper().startswith("SET")]
    # One statement each: nothing untracked rides along in a multi-statement.
    assert all(";" not in s for s in sets), sets
    pinning = {v for s in sets for v in variables_set(s)} - TRACKED
    assert pinning == set(), f"these would pin connections behind RDS Proxy: {pinning}"
    assert not any(PINNING_SQL.search(s) for s in statements)


def test_the_service_code_uses_nothing_that_pins():
    sources = [*ROOT.glob("apps/**/*.py"), *ROOT.glob("concert/**/*.py")]
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources
            for m in PINNING_SQL.finditer(p.read_text())
            if "migrations" not in p.parts]
    assert hits == []


def test_the_connection_settings_suit_lambda():
    db = settings.DATABASES["default"]
    assert db["CONN_HEALTH_CHECKS"] is True
    if db["ENGINE"].endswith("mysql"):
        # Closed by the service within a minute, by the server after wait_timeout (300 s).
        assert 0 < db["CONN_MAX_AGE"] <= 60 < 300
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert os.environ.get("DB_SSL_MODE", "") == ""  # the suite runs without TLS


def test_every_unique_text_column_fits_an_innodb_index_key():
    """Why mysql.W003 is silenced: InnoDB's DYNAMIC rows index up to 3,072 bytes a key, and
    utf8mb4 takes up to 4 bytes a character (settings.SILENCED_SYSTEM_CHECKS)."""
    from django.apps import apps
    from django.db import models

    too_long = [f"{model.__name__}.{field.name}" for model in apps.get_models()
                for field in model._meta.get_fields()
                if isinstance(field, models.CharField) and field.unique
                and field.max_length * 4 > 3072]
    assert too_long == []
