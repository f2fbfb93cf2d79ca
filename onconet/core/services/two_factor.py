"""Two-factor authentication: who needs it, setting up the authenticator, checking codes, recovery codes, reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from onconet.core.audit import audit_record
from onconet.core.models import AuditAction, User
from onconet.core.scoping import require_permission

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
