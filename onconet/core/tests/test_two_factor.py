"""Two-factor authentication (django-otp): the sign-in of a role that sees patient data — set up the authenticator and
get recovery codes, nothing else until a right code, a code used once, wrong codes throttled per device whatever the
session, recovery codes used once, a national admin's reset — and the separation of tokens from sessions: a request
with an Authorization header is judged by its token alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from onconet.core.models import ApiToken, AuditAction, AuditEntry, User
from onconet.core.services import api_token_create

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890" (RFC 6238's test key)


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_ROLES = ["coordinator", "national_admin"]


def sign_in(client, username, address="127.0.0.1"):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def current(user) -> str:
    return code_of(TOTPDevice.objects.get(user=user))


def set_up(client, user, next_url="/"):
    """Sign in for the first time and confirm the authenticator; returns the recovery codes shown."""
    sign_in(client, user.username)
    client.get("/accounts/two-factor/")
    page = client.post("/accounts/two-factor/", {"code": current(user), "next": next_url})
    assert page.status_code == 200
    return page.context["codes"]


def test_a_coordinator_sets_up_the_authenticator_before_anything_else(client, users, required):
    coordinator = users["coordinator"]
    sign_in(client, "coordinator")
    response = client.get("/office/")
    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/?next=%2Foffice%2F"
    page = client.get(response.url)
    assert page.context["setup"] is True
    assert "otpauth://totp/OncoNet%3Acoordinator?secret=" in page.content.decode()
    assert client.get("/api/v1/referrals").status_code == 403  # session API calls wait too
    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/office/"})
    assert wrong.status_code == 400
    assert TOTPDevice.objects.get(user=coordinator).confirmed is False
    TOTPDevice.objects.filter(user=coordinator).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    used = current(coordinator)
    confirmed = client.post("/accounts/two-factor/", {"code": used, "next": "/office/"})
    assert confirmed.status_code == 200  # the recovery codes, shown once
    codes = confirmed.context["codes"]
    assert len(codes) == 10
    assert sorted(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == sorted(codes)
    assert client.get("/office/").status_code == 200
    assert TOTPDevice.objects.get(user=coordinator).confirmed is True
    assert AuditEntry.objects.filter(actor_username="coordinator", action=AuditAction.LOGIN_FAILED).count() == 1

    # next sign-in: the code again, and the code already used is refused
    client.post("/accounts/logout/")
    sign_in(client, "coordinator")
    page = client.get("/accounts/two-factor/")
    assert page.context["setup"] is False
    assert client.post("/accounts/two-factor/", {"code": used}).status_code == 400


@pytest.mark.parametrize("username", ["coordinator", "admin"])
def test_a_password_only_session_with_any_authorization_header_reaches_nothing(client, users, required, username):
    sign_in(client, username)  # the second factor is pending
    junk = {"HTTP_AUTHORIZATION": "Bearer x"}
    for path in ("/office/", "/audit/", "/admin/", "/account/tokens/"):
        response = client.get(path, **junk)
        assert (response.status_code, response.url) == (302, f"/accounts/two-factor/?next={path.replace('/', '%2F')}")
    assert client.post("/account/tokens/", {"name": "forever"}, **junk).status_code == 302
    assert ApiToken.objects.count() == 0
    assert client.get("/api/v1/patients", **junk).status_code == 401
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION="Token x").status_code == 401
    assert client.get("/fhir/Patient", **junk).status_code == 401
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION="Basic eDp4").status_code == 401
    assert client.get("/api/v1/patients").status_code == 403  # the session alone: the second factor first


def test_a_confirmed_session_never_stands_in_for_a_wrong_token(client, users, required):
    set_up(client, users["coordinator"])
    assert client.get("/api/v1/patients").status_code == 200
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer onc_junk_junk").status_code == 401
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION="bearer onc_junk_junk").status_code == 401


def test_a_valid_token_alone_works_without_a_session_and_never_opens_pages(client, users, required):
    token = api_token_create(user=users["coordinator"], name="his")[1]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/patients", **bearer).status_code == 200
    assert client.get("/fhir/Patient", **bearer).status_code == 200
    assert client.get("/api/v1/referrals", **bearer).status_code == 200
    page = client.get("/office/", **bearer)
    assert (page.status_code, page.url) == (302, "/accounts/login/?next=/office/")


def test_roles_without_patient_data_are_not_asked(client, users, required):
    sign_in(client, "analyst")
    assert client.get("/").status_code == 200
    assert not TOTPDevice.objects.filter(user=users["analyst"]).exists()


def test_code_guessing_is_throttled_per_user_across_fresh_sign_ins(client_factory, users, required, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a wrong code: the next one waits a minute, whatever the session
    coordinator = users["coordinator"]
    TOTPDevice.objects.create(user=coordinator, name="authenticator", confirmed=True)
    first = client_factory()
    sign_in(first, "coordinator")
    assert first.post("/accounts/two-factor/", {"code": "000000"}).status_code == 400

    second = client_factory()  # a fresh password sign-in, in a new session
    sign_in(second, "coordinator")
    refused = second.post("/accounts/two-factor/", {"code": current(coordinator)})
    assert refused.status_code == 400
    assert "Too many wrong codes. Wait" in refused.context["error"]
    device = TOTPDevice.objects.get(user=coordinator)
    assert device.throttling_failure_count == 1  # a throttled attempt is not even checked
    assert second.get("/office/").status_code == 302

    # once the wait is over, the right code is taken
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=61))
    assert second.post("/accounts/two-factor/", {"code": current(coordinator), "next": "/office/"}).url == "/office/"
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_a_recovery_code_signs_in_once(client, users, required):
    coordinator = users["coordinator"]
    codes = set_up(client, coordinator)
    client.post("/accounts/logout/")
    sign_in(client, "coordinator")
    used = client.post("/accounts/two-factor/", {"code": codes[0].upper(), "next": "/office/"})
    assert used.url == "/office/"
    assert client.get("/office/").status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9
    entry = AuditEntry.objects.filter(actor_username="coordinator", action=AuditAction.LOGIN).first()
    assert entry.message == "recovery code used (9 left)"

    client.post("/accounts/logout/")
    sign_in(client, "coordinator")
    StaticDevice.objects.filter(user=coordinator).update(throttling_failure_count=0)
    again = client.post("/accounts/two-factor/", {"code": codes[0]})
    assert again.status_code == 400
    assert client.get("/office/").status_code == 302


def test_a_national_admin_resets_a_lost_authenticator(client, users, settings):
    settings.TWO_FACTOR_ROLES = ["coordinator"]
    coordinator = users["coordinator"]
    set_up(client, coordinator)
    assert client.get("/office/").status_code == 200

    admin = client_for(users["admin"])
    response = admin.post("/security/sign-in/two-factor-reset/", {"username": "coordinator"})
    assert response.url == "/security/sign-in/"
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    entry = AuditEntry.objects.get(
        object_type="core.user", object_id=str(coordinator.pk), message="two-factor device reset"
    )
    assert (entry.actor_username, entry.action, entry.changes) == ("admin", "update", {"two_factor_devices": [2, 0]})
    # the session confirmed with the old device must set up the new one
    assert client.get("/office/").url == "/accounts/two-factor/?next=%2Foffice%2F"
    assert client.get("/accounts/two-factor/").context["setup"] is True

    analyst = client_for(users["analyst"])
    assert analyst.post("/security/sign-in/two-factor-reset/", {"username": "admin"}).status_code == 403


def code_of(device) -> str:
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


def test_a_set_up_key_is_shown_only_to_its_own_session(client_factory, users, required):
    """Someone who has only the password opens the set-up page before (or after an admin reset) the owner does: each
    session gets its own key, the owner's confirmation removes the others, and the intruder's codes never sign in."""
    coordinator = users["coordinator"]
    intruder, owner = client_factory(), client_factory()
    sign_in(intruder, "coordinator", address="203.0.113.9")
    seen = intruder.get("/accounts/two-factor/").context["secret"]
    sign_in(owner, "coordinator")
    assert owner.get("/accounts/two-factor/").context["secret"] != seen
    assert intruder.get("/accounts/two-factor/").context["secret"] == seen  # the same session keeps its key
    keys = {d.pk: d for d in TOTPDevice.objects.filter(user=coordinator)}
    assert len(keys) == 2
    own = keys[owner.session["onconet_two_factor_setup"]]
    stolen = keys[intruder.session["onconet_two_factor_setup"]]
    assert AuditEntry.objects.filter(message="two-factor setup key issued", actor_username="coordinator").count() == 2

    assert owner.post("/accounts/two-factor/", {"code": code_of(own)}).status_code == 200  # the recovery codes
    assert list(TOTPDevice.objects.filter(user=coordinator).values_list("pk", flat=True)) == [own.pk]
    assert intruder.post("/accounts/two-factor/", {"code": code_of(stolen), "next": "/office/"}).status_code == 400
    assert intruder.get("/office/").status_code == 302
    assert intruder.get("/accounts/two-factor/").context["setup"] is False  # no key to read any more


def test_a_session_never_confirms_a_key_it_was_not_shown(client_factory, users, required):
    coordinator = users["coordinator"]
    owner, intruder = client_factory(), client_factory()
    sign_in(owner, "coordinator")
    owner.get("/accounts/two-factor/")
    own = TOTPDevice.objects.get(user=coordinator)
    sign_in(intruder, "coordinator", address="203.0.113.9")
    refused = intruder.post("/accounts/two-factor/", {"code": code_of(own), "next": "/office/"})
    assert refused.status_code == 400  # a POST without a GET issues this session's key, and only that one counts
    assert TOTPDevice.objects.get(pk=own.pk).confirmed is False
    assert intruder.get("/office/").status_code == 302


def test_the_admin_action_resets_two_factor_audited(users):
    coordinator = users["coordinator"]
    TOTPDevice.objects.create(user=coordinator, name="authenticator", confirmed=True)
    admin = client_for(users["admin"])
    response = admin.post(
        "/admin/core/user/", {"action": "reset_two_factor", "_selected_action": [str(coordinator.pk)]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    entry = AuditEntry.objects.get(message="two-factor device reset")
    assert (entry.actor_username, entry.object_id) == ("admin", str(coordinator.pk))


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_migrated_key_gives_the_codes_of_the_old_secret():
    """0006 turns the old base32 secret into TOTPDevice's hex key: RFC 6238's test vector still holds."""
    import importlib

    migration = importlib.import_module("onconet.core.migrations.0006_two_factor_devices_to_django_otp")
    key = migration._hex_key(RFC_SECRET.lower()[:16] + " " + RFC_SECRET.lower()[16:])
    assert bytes.fromhex(key) == b"12345678901234567890"
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=8)
    totp.time = 59
    assert totp.token() == 94287082


def test_the_data_migration_moves_old_authenticators_to_django_otp(transactional_db):
    """0006 copies core's TwoFactorDevice (its model as of 0006, its table made for this test) into TOTPDevice:
    the same codes, and a used step stays used; reversed, it copies them back."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("onconet.core.migrations.0006_two_factor_devices_to_django_otp")
    old_apps = MigrationLoader(connection).project_state(("core", "0006_two_factor_devices_to_django_otp")).apps
    old_model = old_apps.get_model("core", "TwoFactorDevice")
    coordinator = User.objects.create(username="anna", role="coordinator")
    with connection.schema_editor() as editor:  # the table 0007 dropped (SQLite: outside a transaction)
        editor.create_model(old_model)
    try:
        old_model.objects.create(user_id=coordinator.pk, secret=RFC_SECRET, confirmed_at=timezone.now(), last_step=9)
        with connection.schema_editor() as editor:
            migration.forward(old_apps, editor)
        device = TOTPDevice.objects.get(user=coordinator)
        assert (bytes.fromhex(device.key), device.confirmed, device.last_t) == (b"12345678901234567890", True, 9)

        old_model.objects.all().delete()
        with connection.schema_editor() as editor:
            migration.backward(old_apps, editor)
        back = old_model.objects.get()
        assert (back.secret, back.last_step, back.confirmed_at is not None) == (RFC_SECRET, 9, True)
        assert not TOTPDevice.objects.exists()
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(old_model)
