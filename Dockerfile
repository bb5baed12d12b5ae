# The Concert Lambda image: AWS Lambda Python base image, handler concert.lambda_handler.handler.
# Build: docker build -t concert-api .   Run locally: see docker-compose.yml (service "lambda").

FROM public.ecr.aws/lambda/python:3.12 AS build
# mysqlclient compiles against MariaDB Connector/C (it speaks MySQL 8's caching_sha2_password).
# hadolint ignore=DL3041
RUN dnf install -y gcc mariadb-connector-c-devel pkgconf-pkg-config && dnf clean all
# RDS's certificate authorities, which the service verifies the database's certificate against
# (DB_SSL_MODE=VERIFY_IDENTITY, DB_SSL_CA); fetched over verified HTTPS at build time.
RUN python -c "import urllib.request; urllib.request.urlretrieve('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem', '/build-rds-ca.pem')"
COPY pyproject.toml /build/pyproject.toml
# Dependencies only, from pyproject's pinned list, so this layer is cached until they change.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/build/pyproject.toml', 'rb'))['project']['dependencies']))" > /build/requirements.txt \
    && pip install --no-cache-dir --prefix /opt/deps -r /build/requirements.txt

FROM public.ecr.aws/lambda/python:3.12
# hadolint ignore=DL3041
RUN dnf install -y mariadb-connector-c && dnf clean all
COPY --from=build /opt/deps/lib/python3.12/site-packages /var/lang/lib/python3.12/site-packages
COPY --from=build /build-rds-ca.pem /etc/pki/rds/global-bundle.pem
COPY manage.py ${LAMBDA_TASK_ROOT}/
COPY concert ${LAMBDA_TASK_ROOT}/concert
COPY apps ${LAMBDA_TASK_ROOT}/apps
# Static files (admin, API docs) are collected at build time; the values below only let
# settings load for this step and are not kept in the image.
RUN CONCERT_PRODUCTION=true DJANGO_SECRET_KEY=build-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput -v0 \
    && rm -f /tmp/build.sqlite3 \
    && python -m compileall -q "${LAMBDA_TASK_ROOT}/concert" "${LAMBDA_TASK_ROOT}/apps"
ENV CONCERT_PRODUCTION=true \
    PICTURES_ROOT=/mnt/efs \
    PYTHONUNBUFFERED=1
CMD ["concert.lambda_handler.handler"]
