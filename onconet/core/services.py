"""Writes of the core app: reference data, users and roles, facilities, API tokens, logins, jobs."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pycountry
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from axes.utils import reset
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from onconet.core.audit import audit_record, diff, field_snapshot
from onconet.core.errors import DomainError, FieldProblem, InvalidInput, NotAllowed, NotFound
from onconet.core.jobs import get_job_kind
from onconet.core.models import (
    ApiToken,
    AuditAction,
    Country,
    Facility,
    FacilityKind,
    FederalDistrict,
    Job,
    Region,
    User,
)
from onconet.core.reference_data import is_language_code
from onconet.core.roles import ROLE_PERMISSIONS, Role
from onconet.core.scoping import get_visible, require_permission
from onconet.core.tasks import run_job

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# ---------------------------------------------------------------- roles


def roles_sync(*, using: str = "default") -> None:
    """Create one group per role holding exactly the role's permissions."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        perms = []
        for code in sorted(codes):
            app_label, codename = code.split(".")
            perms.append(Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


# ---------------------------------------------------------------- reference data


def countries_sync() -> int:
    """Load every ISO 3166-1 country from pycountry (idempotent). Returns how many are on record."""
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        [
            Country(code=c.alpha_2, alpha_3=c.alpha_3, name=getattr(c, "common_name", c.name))
            for c in pycountry.countries
            if c.alpha_2 not in existing
        ]
    )
    return Country.objects.count()


def federal_districts_import_csv(*, path: Path | None = None) -> int:
    """Upsert federal districts from a CSV with columns code, country, name_en, name_ru."""
    path = path or REFERENCE_DIR / "federal_districts.csv"
    count = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = Country.objects.get(code=row["country"])
            FederalDistrict.objects.update_or_create(
                code=row["code"],
                defaults={"country": country, "name_en": row["name_en"], "name_ru": row["name_ru"]},
            )
            count += 1
    return count


REGION_COLUMNS = {"iso_code", "name_en", "subdivision_type", "federal_district", "population_2010_census"}
MAX_POPULATION = 2_147_483_647  # the largest PositiveIntegerField on every database


def regions_import_csv(*, path: Path | None = None, population_year: int = 2010) -> int:
    """Upsert regions from a CSV shaped like ru_regions.csv; all rows or none.

    Each ISO 3166-2 code must be known to pycountry; the federal district (if given) must be on record.
    """
    path = path or REFERENCE_DIR / "ru_regions.csv"
    try:
        text = path.read_bytes().decode("utf-8-sig")  # with or without the byte order mark Excel writes
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text.", errors=[FieldProblem("not UTF-8", "file")]) from exc
    if "\x00" in text:  # no database text column stores one (PostgreSQL refuses it outright)
        raise InvalidInput(f"{path.name} is not text.", errors=[FieldProblem("contains a NUL character", "file")])
    reader = csv.DictReader(io.StringIO(text, newline=""))  # \r, \r\n or \n end a line
    try:
        missing = REGION_COLUMNS - set(reader.fieldnames or [])
        rows = [] if missing else list(reader)
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InvalidInput(
            f"{path.name} cannot be read as CSV.",
            errors=[FieldProblem(str(exc), "file", location={"row": reader.line_num})],
        ) from exc
    if missing:
        raise InvalidInput(
            f"{path.name}: missing columns {', '.join(sorted(missing))}.",
            errors=[FieldProblem("missing column", column, location={"row": 1}) for column in sorted(missing)],
        )
    districts = {fd.name_en.lower(): fd for fd in FederalDistrict.objects.all()}
    countries = {c.code: c for c in Country.objects.all()}
    problems: list[FieldProblem] = []
    parsed: list[dict[str, Any]] = []
    lengths = {
        "name_en": Region._meta.get_field("name").max_length or 0,
        "subdivision_type": Region._meta.get_field("subdivision_type").max_length or 0,
    }
    for number, row in enumerate(rows, start=2):
        where = {"row": number}
        row = {key: value or "" for key, value in row.items() if isinstance(value, str | None)}  # short rows: None
        code = row["iso_code"].strip().upper()
        subdivision = pycountry.subdivisions.get(code=code)
        if subdivision is None:
            problems.append(FieldProblem("not an ISO 3166-2 code", "iso_code", code, where))
            continue
        country = countries.get(subdivision.country_code)
        if country is None:
            problems.append(FieldProblem("country not loaded", "iso_code", code, where))
            continue
        district_name = row.get("federal_district", "").strip()
        district = districts.get(district_name.lower()) if district_name else None
        if district_name and district is None:
            problems.append(FieldProblem("unknown federal district", "federal_district", district_name, where))
        population_raw = row.get("population_2010_census", "").strip()
        population = None
        if population_raw:
            if not (population_raw.isascii() and population_raw.isdigit()):  # "²" is a digit to isdigit()
                problems.append(FieldProblem("must be a whole number", "population", population_raw, where))
            elif len(population_raw) > 10 or int(population_raw) > MAX_POPULATION:
                problems.append(FieldProblem(f"must be at most {MAX_POPULATION}", "population", population_raw, where))
            else:
                population = int(population_raw)
        for field, longest in lengths.items():
            if len(row.get(field, "")) > longest:
                problems.append(FieldProblem(f"at most {longest} characters", field, row[field], where))
        parsed.append(
            {
                "code": code,
                "country": country,
                "federal_district": district,
                "name": row.get("name_en") or subdivision.name,
                "subdivision_type": row.get("subdivision_type", "") or subdivision.type,
                "population": population,
                "population_year": population_year if population is not None else None,
                "population_source": row.get("population_source", "")[:200],
            }
        )
    if problems:
        raise InvalidInput(f"{path.name}: {len(problems)} problem(s); nothing was imported.", errors=problems)
    with transaction.atomic():
        for values in parsed:
            code = values.pop("code")
            Region.objects.update_or_create(code=code, defaults=values)
    return len(parsed)


def reference_load() -> None:
    """Countries, Russia's federal districts and regions: what every installation needs."""
    countries_sync()
    federal_districts_import_csv()
    regions_import_csv()


# ---------------------------------------------------------------- users


def user_create(
    *,
    username: str,
    role: Role,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    region: Region | None = None,
    languages: list[str] | None = None,
    linked: bool = False,
) -> User:
    """Create a user in one role; the role's group gives the permissions. A partner agent is created by the app that
    owns partner organisations, which links it to its partner in the same transaction (`linked=True`)."""
    if role == Role.PARTNER_AGENT and not linked:
        raise InvalidInput(
            "A partner agent is created with its partner organisation (the office's partner_agent_create).",
            errors=[FieldProblem("a partner agent needs its partner organisation", "partner")],
        )
    languages = [code.lower() for code in (languages or [])]
    bad = [code for code in languages if not is_language_code(code)]
    if bad:
        raise InvalidInput(f"Unknown language code(s): {', '.join(bad)} (use ISO 639-1 or 639-3).")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        region=region,
        languages=languages,
        is_staff=role == Role.NATIONAL_ADMIN,
        is_superuser=role == Role.NATIONAL_ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise InvalidInput("The user is not valid.", errors=_problems(exc)) from exc
    with transaction.atomic():
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
    return user


USER_ACCESS_FIELDS = ["role", "region", "is_active", "is_staff", "is_superuser"]


def user_update(
    *,
    actor: User,
    user: User,
    role: str,
    region: Region | None,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    request: HttpRequest | None = None,
) -> User:
    """Change what a user may do: the role (its group follows: exactly the role's group), the scope (region or
    the region of a regional reporter; a partner agent's organisation is tourism's `partner_agent_link`), and the
    active, staff and superuser flags. Every change is audited with its before and after."""
    require_permission(actor, "core.change_user", action="change users")
    if role not in Role.values:
        raise InvalidInput("The user is not valid.", errors=[FieldProblem("not a role", "role", role)])
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = field_snapshot(locked, USER_ACCESS_FIELDS)
        if is_superuser != locked.is_superuser and not actor.is_superuser:
            raise NotAllowed("Only a superuser may grant or withdraw superuser status.")
        locked.role = role
        locked.region = region
        locked.is_active = is_active
        locked.is_staff = is_staff
        locked.is_superuser = is_superuser
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise InvalidInput("The user is not valid.", errors=_problems(exc)) from exc
        locked.save(update_fields=USER_ACCESS_FIELDS)
        locked.groups.set([Group.objects.get(name=role)])  # a role's permissions come from its group only
        changes = diff(before, field_snapshot(locked, USER_ACCESS_FIELDS))
        if changes:
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes, request=request)
    for name in USER_ACCESS_FIELDS:
        setattr(user, name, getattr(locked, name))
    return locked


def _problems(exc: ValidationError) -> list[FieldProblem]:
    if hasattr(exc, "error_dict"):
        return [
            FieldProblem(message=" ".join(str(m) for m in messages), field=name)
            for name, messages in exc.message_dict.items()
        ]
    return [FieldProblem(message=" ".join(exc.messages))]


# ---------------------------------------------------------------- facilities

FACILITY_FIELDS = [
    "code",
    "name",
    "kind",
    "parent",
    "located_in",
    "address",
    "latitude",
    "longitude",
    "is_active",
]


@dataclass
class FacilityData:
    code: str
    name: str
    kind: str
    parent_id: int | None = None
    located_in_id: int | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool = True


def _facility_apply(facility: Facility, data: FacilityData, user: User) -> None:
    facility.code = data.code.strip()
    facility.name = data.name.strip()
    facility.kind = data.kind
    facility.address = data.address.strip()
    facility.latitude = data.latitude
    facility.longitude = data.longitude
    facility.is_active = data.is_active
    problems: list[FieldProblem] = []
    for attr, label in (("parent_id", "parent"), ("located_in_id", "located_in")):
        target_id = getattr(data, attr)
        if target_id is None:
            setattr(facility, attr, None)
            continue
        if facility.pk is not None and target_id == facility.pk:
            problems.append(FieldProblem("a facility cannot point to itself", label, target_id))
            continue
        try:
            target = get_visible(user, Facility.objects.all(), pk=target_id)
        except NotFound:
            problems.append(FieldProblem("no such facility", label, target_id))
            continue
        setattr(facility, attr, target.pk)
    if data.kind not in FacilityKind.values:
        problems.append(FieldProblem(f"must be one of {', '.join(FacilityKind.values)}", "kind", data.kind))
    try:
        facility.full_clean(exclude=["region", "parent", "located_in", "kind"])
    except ValidationError as exc:
        problems.extend(_problems(exc))
    if facility.located_in_id and _located_in_cycle(facility):
        problems.append(FieldProblem("this would put a facility inside itself", "located_in", facility.located_in_id))
    if problems:
        raise InvalidInput("The facility is not valid.", errors=problems)


def _located_in_cycle(facility: Facility) -> bool:
    seen = {facility.pk}
    current = facility.located_in_id
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = Facility.objects.filter(pk=current).values_list("located_in_id", flat=True).first()
    return False


def facility_create(*, user: User, region: Region, data: FacilityData, request: HttpRequest | None = None) -> Facility:
    """Register a facility in a region the user may report for."""
    require_permission(user, "core.add_facility", action="add facilities")
    region = get_visible(user, Region.objects.all(), pk=region.pk)
    facility = Facility(region=region)
    _facility_apply(facility, data, user)
    if Facility.objects.filter(region=region, code__iexact=facility.code).exists():
        raise InvalidInput(
            "The facility is not valid.",
            errors=[FieldProblem(f"{region.code} already has a facility with this code", "code", facility.code)],
        )
    with transaction.atomic():
        facility.save()
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=facility,
            changes=diff({}, field_snapshot(facility, FACILITY_FIELDS)),
            request=request,
        )
    return facility


def facility_update(
    *, user: User, facility: Facility, data: FacilityData, request: HttpRequest | None = None
) -> Facility:
    """Change a facility the user may see and edit."""
    facility = get_visible(user, Facility.objects.all(), pk=facility.pk)
    require_permission(user, "core.change_facility", action="change facilities")
    before = field_snapshot(facility, FACILITY_FIELDS)
    _facility_apply(facility, data, user)
    if Facility.objects.filter(region=facility.region, code__iexact=facility.code).exclude(pk=facility.pk).exists():
        raise InvalidInput(
            "The facility is not valid.",
            errors=[FieldProblem("another facility in the region has this code", "code", facility.code)],
        )
    changes = diff(before, field_snapshot(facility, FACILITY_FIELDS))
    if changes:
        with transaction.atomic():
            facility.save()
            audit_record(actor=user, action=AuditAction.UPDATE, obj=facility, changes=changes, request=request)
    return facility


# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "onc_"  # noqa: S105 — a label, not a secret


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns the record and the token text, which is never shown again."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name.", errors=[FieldProblem("must not be empty", "name", name)])
    if len(name) > 100:
        raise InvalidInput("The name is too long.", errors=[FieldProblem("at most 100 characters", "name")])
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=_hash_token(raw))
    audit_record(actor=user, action=AuditAction.CREATE, obj=token)
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("No API token matches the given id.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=token, message="revoked")
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a token text, or None. Marks the token as used."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.token_hash, _hash_token(raw)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# ---------------------------------------------------------------- logins
# django-axes counts failed passwords and enforces the locks (AXES_* settings): a lock holds for one username from
# one address. These services write the audit log and let a national admin (or the operator) lift a lock.


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The name axes counts failures under: lower-cased, so that "Admin" and "admin" share one counter."""
    if credentials is not None:
        name = credentials.get("username")
    else:
        name = request.POST.get("username") if request is not None else None
    return name.strip().lower()[:150] if isinstance(name, str) else None


def login_failed(*, username: str, request: HttpRequest) -> bool:
    """Audit a failed sign-in that axes has just counted; True when the username is now locked from this address."""

    locked = bool(getattr(request, "axes_locked_out", False))
    attempt = (
        AccessAttempt.objects.filter(username=login_username(None, {"username": username}))
        .filter(ip_address=get_client_ip_address(request))
        .order_by("-attempt_time")
        .first()
    )
    failures = attempt.failures_since_start if attempt is not None else 0
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="core.user",
        object_repr=username[:255],
        message=f"failure {failures}" + (" — locked" if locked else ""),
        request=request,
    )
    return locked


def login_succeeded(*, user: User, request: HttpRequest | None = None) -> None:
    """Audit a sign-in with the password (axes has already cleared this address's failures, AXES_RESET_ON_SUCCESS)."""
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


def login_unlock(*, actor: User | None, username: str, request: HttpRequest | None = None) -> int:
    """Lift every sign-in lock of a username, from whichever address; audited. Returns how many records were removed.

    `actor` is the national admin doing it, or None for the operator at the server's command line (`onconet unlock`),
    who holds every right already."""

    if actor is not None:
        require_permission(actor, "core.change_user", action="lift sign-in locks")
    name = login_username(None, {"username": username}) or ""
    if not name:
        raise InvalidInput("Name the user to unlock.", errors=[FieldProblem("must not be empty", "username")])
    target = User.objects.filter(username__iexact=name).first()
    with transaction.atomic():
        removed = reset(username=name)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="core.user",
            object_id=str(target.pk) if target is not None else "",
            object_repr=target.get_username() if target is not None else name,
            changes={"failed_sign_ins": [removed, 0]} if removed else {},
            message="sign-in lock lifted" + ("" if actor is not None else " from the command line"),
            request=request,
        )
    return removed


# ---------------------------------------------------------------- jobs


def job_start(*, user: User, kind: str, params: dict[str, Any] | None = None, internal: bool = False) -> Job:
    """Queue a background job; the worker picks it up once this transaction commits.

    `internal` is for services that prepared the job's parameters themselves (e.g. a stored upload);
    other kinds take no parameters from outside.
    """

    job_kind = get_job_kind(kind)
    require_permission(user, job_kind.permission, action=f"start {job_kind.label} jobs")
    if not job_kind.user_startable and not internal:
        raise InvalidInput(f'Jobs of kind "{kind}" are started by the page or API that prepares them.')
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user, sent_at=timezone.now())
    audit_record(actor=user, action=AuditAction.CREATE, obj=job)
    # robust: a broker that is down for a moment does not fail the request; the job stays queued and the
    # every-minute watch (core.tasks.watch_jobs) sends it again
    transaction.on_commit(lambda: run_job.delay(job.pk), robust=True)
    return job


def job_retry(*, user: User, job: Job) -> Job:
    """Queue a failed job again."""

    if job.status != "failed":
        raise DomainError(f"Only a failed job can be retried; this one is {job.status}.")
    if job.created_by_id != user.pk and not user.is_superuser:
        raise NotAllowed("Only the person who started a job, or an admin, may retry it.")
    Job.objects.filter(pk=job.pk).update(
        status="queued", progress=0, error="", finished_at=None, worker="", heartbeat_at=None, sent_at=timezone.now()
    )
    job.refresh_from_db()
    audit_record(actor=user, action=AuditAction.STATE_CHANGE, obj=job, message="retried")
    transaction.on_commit(lambda: run_job.delay(job.pk), robust=True)
    return job


# ---------------------------------------------------------------- operations


def broker_status(*, timeout: int = 2) -> str:
    """ "ok" when the Celery broker accepts a connection, else a short reason."""
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


# ---------------------------------------------------------------- two-factor authentication
# django-otp holds the devices: a TOTPDevice (the authenticator app) and a StaticDevice (one-time recovery codes).
# Wrong codes are throttled per device in the database (OTP_TOTP_THROTTLE_FACTOR: waits of 1, 2, 4, 8… seconds),
# so a new session or a new password sign-in does not give a guesser new attempts.

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
RECOVERY_CODE_COUNT = 10


def two_factor_required(user: Any) -> bool:
    """Staff roles that see patient data must confirm a one-time code after their password (TWO_FACTOR_ROLES)."""
    return bool(user.is_authenticated and user.role in settings.TWO_FACTOR_ROLES)


def two_factor_pending(user: Any) -> bool:
    """Signed in with the password, but this session has not confirmed the second factor that the role needs."""
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware on the session's user
    return two_factor_required(user) and not (is_verified is not None and is_verified())


TWO_FACTOR_SETUP_SESSION_KEY = "onconet_two_factor_setup"  # the pk of the unconfirmed key this session was shown
TWO_FACTOR_SETUP_KEYS_KEPT = 5  # unconfirmed keys kept per user (other sessions' set-ups in progress)


def two_factor_device(*, user: User, request: HttpRequest) -> Any:
    """The authenticator this session signs in with: the user's confirmed one, else this session's own key waiting to
    be set up — a new one the first time, never another session's. The key of a set-up in progress is shown only to
    the session it was made for, so whoever else has the password cannot read it and later sign in with its codes.
    Issuing a key is audited."""

    device = _two_factor_device_current(user=user, request=request)
    if device is not None:
        return device
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        stale = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk")[TWO_FACTOR_SETUP_KEYS_KEPT:]
        TOTPDevice.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        audit_record(
            actor=user, action=AuditAction.UPDATE, obj=user, message="two-factor setup key issued", request=request
        )
    request.session[TWO_FACTOR_SETUP_SESSION_KEY] = device.pk
    return device


def _two_factor_device_current(*, user: User, request: HttpRequest) -> Any:
    """The confirmed authenticator, else the unconfirmed key issued to this session, else None."""

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        pk = request.session.get(TWO_FACTOR_SETUP_SESSION_KEY)
        if isinstance(pk, int):
            device = TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False).first()
    return device


@dataclass(frozen=True)
class TwoFactorResult:
    verified: bool
    recovery_codes: list[str]  # the new recovery codes, shown once: only when the authenticator was just set up
    wait_until: datetime | None = None  # too many wrong codes: no code is checked before then
    recovery_codes_left: int | None = None  # after signing in with a recovery code


def two_factor_verify(*, user: User, code: str, request: HttpRequest) -> TwoFactorResult:
    """Check a code from the authenticator, or a recovery code (each works once). A right one marks the session
    verified (django-otp) and, the first time, confirms the authenticator and creates the recovery codes. Wrong codes
    are audited and throttled per device in the database."""

    code = "".join(code.split()).lower()
    recovery_codes: list[str] = []
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one check at a time per user: the throttle counts
        current = _two_factor_device_current(user=user, request=request)
        if current is None:  # no key was issued to this session (or another session confirmed one meanwhile)
            return TwoFactorResult(verified=False, recovery_codes=[])
        totp = TOTPDevice.objects.select_for_update().get(pk=current.pk)
        if code.isdigit() and len(code) == totp.digits:
            candidates: list[Any] = [totp]
        elif totp.confirmed:  # recovery codes exist only once an authenticator is set up
            candidates = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
        else:
            candidates = []
        wait_until = None
        matched = None
        for device in candidates:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                wait_until = (info or {}).get("locked_until") or timezone.now()
                continue
            if device.verify_token(code):
                matched = device
                break
        if matched is not None:
            first = not totp.confirmed and matched.pk == totp.pk and isinstance(matched, TOTPDevice)
            if first:
                totp.confirmed = True
                totp.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()  # other sessions' keys die with it
                request.session.pop(TWO_FACTOR_SETUP_SESSION_KEY, None)
                recovery_codes = _recovery_codes_new(user=user)
            otp_login(request, matched)
            request.session.cycle_key()
            left = None
            if isinstance(matched, StaticDevice):
                left = StaticToken.objects.filter(device__user=user).count()
                message = f"recovery code used ({left} left)"
            else:
                message = "two-factor device confirmed" if first else "two-factor code accepted"
            audit_record(actor=user, action=AuditAction.LOGIN, obj=user, message=message, request=request)
            return TwoFactorResult(verified=True, recovery_codes=recovery_codes, recovery_codes_left=left)
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            obj=user,
            message="two-factor code refused: too many wrong codes, wait" if wait_until else "wrong two-factor code",
            request=request,
        )
    return TwoFactorResult(verified=False, recovery_codes=[], wait_until=wait_until)


def _recovery_codes_new(*, user: User) -> list[str]:

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def two_factor_reset(*, actor: User | None, user: User, request: HttpRequest | None = None) -> int:
    """Remove a user's authenticator and recovery codes (a lost phone): the next sign-in sets up a new one, and every
    session verified with the old device must confirm again. National admins only, or the operator at the server's
    command line (`actor` None: `onconet unlock USER --two-factor`); audited. Returns how many devices were removed."""

    if actor is not None:
        require_permission(actor, "core.change_user", action="reset two-factor devices")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        devices = list(devices_for_user(locked, confirmed=None))
        for device in devices:
            device.delete()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            changes={"two_factor_devices": [len(devices), 0]},
            message="two-factor device reset" + ("" if actor is not None else " from the command line"),
            request=request,
        )
    return len(devices)
