#!/bin/sh
# Thin wrapper: ./iam-group-maintenance.sh detach|provision [--name concert-prod] [--state-file FILE]
set -eu
exec "${PYTHON:-python3}" "$(dirname "$0")/iam_groups.py" "$@"
