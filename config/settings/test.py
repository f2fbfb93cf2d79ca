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

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: with shared cache, concurrent writers get
    # "database table is locked" at once instead of waiting (the booking concurrency test needs real SQLite).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
# The suite sends thousands of requests from one address; the rate-limit tests turn the limits on themselves.
API_RATE_LIMIT_PER_ADDRESS = ""
API_RATE_LIMIT_PER_CREDENTIAL = ""
# A run of its own in a shared Redis cache (CI pass 2 sets CACHE_URL): keys never meet another run's.
CACHES["default"]["KEY_PREFIX"] = "test-" + os.path.basename(os.environ["ONCONET_VAR_DIR"])  # noqa: F405
TWO_FACTOR_ROLES = []  # tests that need two-factor authentication turn it on themselves
