#!/usr/bin/env python
"""Django's command-line utility for the Concert service."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concert.settings")
    from django.core.management import execute_from_command_line

    from concert.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        sys.exit(f"configuration error: {exc}")


if __name__ == "__main__":
    main()
