"""Two-factor authentication: TOTP against the RFC 6238 test vector, and the sign-in of a role that sees patient
data — set up the authenticator, nothing else until a right code, a code used once, the lockout, and tokens."""

from __future__ import annotations

import time

import pytest

from conftest import PASSWORD
from onconet.core import totp
from onconet.core.models import AuditAction, AuditEntry, TwoFactorDevice
from onconet.core.services import api_token_create

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.mark.parametrize(
    ("at", "code"), [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]
)
def test_totp_matches_rfc_6238(at, code):
    assert totp.code_at(RFC_SECRET, at // 30, digits=8) == code


def test_verify_accepts_one_step_of_drift_and_never_the_same_step_twice():
    secret = totp.new_secret()
    now = 1_700_000_000
    code = totp.code_at(secret, now // 30)
    step = totp.verify(secret, code, at=now)
    assert step == now // 30
    assert totp.verify(secret, code, at=now + 30) == step  # the next step still accepts the previous code
    assert totp.verify(secret, code, at=now + 90) is None  # too old
    assert totp.verify(secret, code, at=now, after=step) is None  # used already
    assert totp.verify(secret, "12 34", at=now) is None
    assert totp.provisioning_uri(secret, "anna").startswith("otpauth://totp/OncoNet:anna?secret=")


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_ROLES = ["coordinator", "national_admin"]


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def current(user) -> str:
    device = TwoFactorDevice.objects.get(user=user)
    return totp.code_at(device.secret, int(time.time()) // 30)


def test_a_coordinator_sets_up_the_authenticator_before_anything_else(client, users, required):
    coordinator = users["coordinator"]
    sign_in(client, "coordinator")
    response = client.get("/office/")
    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/?next=/office/"
    page = client.get(response.url)
    assert page.context["setup"] is True
    assert "otpauth://totp/OncoNet:coordinator" in page.content.decode()
    assert client.get("/api/v1/referrals").status_code == 403  # session API calls wait too
    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/office/"})
    assert wrong.status_code == 400
    assert TwoFactorDevice.objects.get(user=coordinator).confirmed_at is None
    used = current(coordinator)
    right = client.post("/accounts/two-factor/", {"code": used, "next": "/office/"})
    assert right.url == "/office/"
    assert client.get("/office/").status_code == 200
    assert TwoFactorDevice.objects.get(user=coordinator).confirmed_at is not None
    assert AuditEntry.objects.filter(actor_username="coordinator", action=AuditAction.LOGIN_FAILED).count() == 1

    # next sign-in: the code again, and the code already used is refused
    client.post("/accounts/logout/")
    sign_in(client, "coordinator")
    page = client.get("/accounts/two-factor/")
    assert page.context["setup"] is False
    assert client.post("/accounts/two-factor/", {"code": used}).status_code == 400


def test_five_wrong_codes_sign_the_user_out(client, users, required):
    sign_in(client, "coordinator")
    for _ in range(4):
        assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 400
    response = client.post("/accounts/two-factor/", {"code": "000000"})
    assert response.url == "/accounts/login/"
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_roles_without_patient_data_and_tokens_are_not_asked(client, users, required):
    sign_in(client, "analyst")
    assert client.get("/").status_code == 200
    token = api_token_create(user=users["coordinator"], name="his")[1]
    client.post("/accounts/logout/")
    response = client.get("/api/v1/referrals", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
