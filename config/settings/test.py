"""Settings for the test suite: the same as base, with fast hashing and an isolated var/ directory.

DATABASE_URL and CELERY_BROKER_URL still choose PostgreSQL and Redis when they are set (CI does).
"""

import os
import tempfile

if "ONCONET_VAR_DIR" not in os.environ:
    os.environ["ONCONET_VAR_DIR"] = tempfile.mkdtemp(prefix="onconet-test-")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses argon2
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]
