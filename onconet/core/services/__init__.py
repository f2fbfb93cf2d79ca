"""Writes of the core app, one module per purpose; every public service is importable from here.

- `reference`: reference data: ISO countries, Russia's federal districts and regions (CSV imports)
- `users`: one group per role, creating users, changing a user's role, scope and flags
- `facilities`: registering and changing facilities
- `tokens`: personal API tokens: create, revoke, authenticate
- `logins`: password sign-ins: the name axes counts failures under, their audit, lifting a lock
- `two_factor`: two-factor authentication: authenticator set-up, codes, recovery codes, reset
- `jobs`: queueing and retrying background jobs; the Celery broker's status
- `validation`: Django's validation errors as FieldProblem lists (shared by `users` and `facilities`)
"""

from __future__ import annotations

from onconet.core.services.facilities import (
    FACILITY_FIELDS,
    FacilityData,
    facility_create,
    facility_update,
)
from onconet.core.services.jobs import (
    broker_status,
    job_retry,
    job_start,
)
from onconet.core.services.logins import (
    login_failed,
    login_succeeded,
    login_unlock,
    login_username,
)
from onconet.core.services.reference import (
    MAX_POPULATION,
    REFERENCE_DIR,
    REGION_COLUMNS,
    countries_sync,
    federal_districts_import_csv,
    reference_load,
    region_names_import_csv,
    regions_import_csv,
)
from onconet.core.services.tokens import (
    TOKEN_PREFIX,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from onconet.core.services.two_factor import (
    RECOVERY_CODE_COUNT,
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    TWO_FACTOR_SETUP_KEYS_KEPT,
    TWO_FACTOR_SETUP_SESSION_KEY,
    TwoFactorResult,
    two_factor_device,
    two_factor_pending,
    two_factor_required,
    two_factor_reset,
    two_factor_verify,
)
from onconet.core.services.users import (
    USER_ACCESS_FIELDS,
    roles_sync,
    user_create,
    user_update,
)

__all__ = [
    "FACILITY_FIELDS",
    "MAX_POPULATION",
    "RECOVERY_CODE_COUNT",
    "RECOVERY_DEVICE_NAME",
    "REFERENCE_DIR",
    "REGION_COLUMNS",
    "TOKEN_PREFIX",
    "TOTP_DEVICE_NAME",
    "TWO_FACTOR_SETUP_KEYS_KEPT",
    "TWO_FACTOR_SETUP_SESSION_KEY",
    "USER_ACCESS_FIELDS",
    "FacilityData",
    "TwoFactorResult",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "broker_status",
    "countries_sync",
    "facility_create",
    "facility_update",
    "federal_districts_import_csv",
    "job_retry",
    "job_start",
    "login_failed",
    "login_succeeded",
    "login_unlock",
    "login_username",
    "reference_load",
    "region_names_import_csv",
    "regions_import_csv",
    "roles_sync",
    "two_factor_device",
    "two_factor_pending",
    "two_factor_required",
    "two_factor_reset",
    "two_factor_verify",
    "user_create",
    "user_update",
]
