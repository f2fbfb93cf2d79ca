"""Signing in with the password (django-axes): one login page for the site and the admin, failures counted and
audited, a lock for one username from one address only, lifted by a national admin (audited) or `onconet unlock`;
and user administration through the service that syncs the role's group and audits every change of access."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from onconet.core import services
from onconet.core.errors import NotAllowed
from onconet.core.models import AuditAction, AuditEntry
from onconet.core.roles import Role

STRANGER, OFFICE = "203.0.113.5", "198.51.100.7"


def attempt(client, username, password, address, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def lock(client, username, address=STRANGER, limit=5):
    for _ in range(limit):
        response = attempt(client, username, "wrong-guess", address)
    assert response.status_code == 429
    return response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_one_username_from_one_address_only(client, users):
    for _ in range(4):
        response = attempt(client, "admin", "wrong-guess", STRANGER)
        assert response.status_code == 200
    response = attempt(client, "Admin", "wrong-guess", STRANGER)  # usernames are counted without regard to case
    assert response.status_code == 429
    assert "Too many failed attempts for this username" in response.content.decode()
    messages = list(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id").values_list("message", flat=True)
    )
    assert messages == ["failure 1", "failure 2", "failure 3", "failure 4", "failure 5 — locked"]
    assert attempt(client, "admin", PASSWORD, STRANGER).status_code == 429  # the right password, but locked
    assert not signed_in(client)

    colleague = Client()  # the real admin, from the office: not locked out by the stranger
    assert attempt(colleague, "admin", PASSWORD, OFFICE).url == "/"
    assert signed_in(colleague)


def test_the_old_password_on_the_password_page_is_counted_like_a_sign_in(client, users):
    """Someone at a session left open guesses the old password to change it: five wrong guesses lock the username
    from that address, audited, and then even the right one is refused."""
    client.force_login(users["analyst"])

    def change(old):
        data = {"old_password": old, "new_password1": "A-new-passphrase-42", "new_password2": "A-new-passphrase-42"}
        return client.post("/accounts/password/", data, REMOTE_ADDR=STRANGER)

    for _ in range(4):
        assert change("wrong-guess").status_code == 200
    locked = change("wrong-guess")
    assert locked.status_code == 429
    assert "Too many failed attempts for this username" in locked.content.decode()
    assert change(PASSWORD).status_code == 429
    users["analyst"].refresh_from_db()
    assert users["analyst"].check_password(PASSWORD)
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="analyst")
    assert entries.count() == 6
    assert attempt(Client(), "analyst", PASSWORD, STRANGER).status_code == 429  # the lock is the sign-in's
    assert attempt(Client(), "analyst", PASSWORD, OFFICE).url == "/"


def test_the_right_old_password_changes_it(client, users):
    client.force_login(users["analyst"])
    data = {"old_password": PASSWORD, "new_password1": "A-new-passphrase-42", "new_password2": "A-new-passphrase-42"}
    assert client.post("/accounts/password/", data).url == "/accounts/password/done/"
    users["analyst"].refresh_from_db()
    assert users["analyst"].check_password("A-new-passphrase-42")


def test_the_admin_login_is_our_login_page(client, users):
    page = client.get("/admin/login/?next=/admin/core/user/")
    assert (page.status_code, page.url) == (302, "/accounts/login/?next=/admin/core/user/")
    for _ in range(10):  # no password is checked there: nothing to guess against
        response = attempt(client, "admin", "wrong-guess", STRANGER, path="/admin/login/")
        assert response.status_code == 302
    assert attempt(client, "admin", PASSWORD, STRANGER, path="/admin/login/").status_code == 302
    assert not signed_in(client)
    assert client.get("/admin/").url == "/admin/login/?next=/admin/"


def test_a_locked_user_cannot_sign_in_on_the_admin_login(client, users):
    lock(client, "admin")
    assert attempt(client, "admin", PASSWORD, STRANGER, path="/admin/login/").status_code == 302
    assert not signed_in(client)
    assert attempt(client, "admin", PASSWORD, STRANGER).status_code == 429
    assert not signed_in(client)


def test_a_forged_forwarded_for_header_does_not_change_the_address(client, users):
    """Without TRUSTED_PROXY_COUNT the client's X-Forwarded-For is ignored: rotating it gives no new attempts."""
    for number in range(5):
        response = client.post(
            "/accounts/login/",
            {"username": "analyst", "password": "wrong-guess"},
            REMOTE_ADDR=STRANGER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    assert response.status_code == 429


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, users, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    proxy = "10.0.0.2"
    for _ in range(5):
        response = client.post(
            "/accounts/login/",
            {"username": "analyst", "password": "wrong-guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.77, {STRANGER}",  # the client wrote the first, the proxy the last
        )
    assert response.status_code == 429
    other = client.post(
        "/accounts/login/",
        {"username": "analyst", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=OFFICE,
    )
    assert other.url == "/"


def test_a_national_admin_lifts_a_lock_on_the_sign_in_security_page(client, users):
    lock(client, "analyst")
    admin = Client()
    admin.force_login(users["admin"])
    page = admin.get("/security/sign-in/")
    assert [(row.username, row.ip_address, row.failures) for row in page.context["lockouts"]] == [
        ("analyst", STRANGER, 5)
    ]
    assert admin.post("/security/sign-in/unlock/", {"username": "analyst"}).url == "/security/sign-in/"
    assert admin.get("/security/sign-in/").context["lockouts"] == []
    entry = AuditEntry.objects.get(message="sign-in lock lifted")
    assert (entry.actor_username, entry.object_id, entry.object_repr) == (
        "admin",
        str(users["analyst"].pk),
        "analyst",
    )
    assert attempt(client, "analyst", PASSWORD, STRANGER).url == "/"

    reporter = Client()
    reporter.force_login(users["reporter"])
    assert reporter.get("/security/sign-in/").status_code == 403
    assert reporter.post("/security/sign-in/unlock/", {"username": "analyst"}).status_code == 403


def test_onconet_unlock_user(client, users):
    lock(client, "analyst")
    TOTPDevice.objects.create(user=users["analyst"], name="authenticator", confirmed=True)
    out = StringIO()
    call_command("unlock", "Analyst", stdout=out)
    assert out.getvalue() == "analyst: 1 sign-in lock record(s) removed.\n"
    assert attempt(client, "analyst", PASSWORD, STRANGER).url == "/"
    entry = AuditEntry.objects.get(message="sign-in lock lifted from the command line")
    assert (entry.actor_username, entry.object_repr) == ("", "analyst")
    assert TOTPDevice.objects.filter(user=users["analyst"]).exists()

    out = StringIO()
    call_command("unlock", "analyst", "--two-factor", stdout=out)
    assert out.getvalue().splitlines()[-1] == "analyst: 1 two-factor device(s) removed."
    assert not TOTPDevice.objects.filter(user=users["analyst"]).exists()
    assert AuditEntry.objects.filter(message="two-factor device reset from the command line").count() == 1


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "region": user.region_id or "",
        "languages": "[]",
    }
    flags = {"is_active": user.is_active, "is_staff": user.is_staff, "is_superuser": user.is_superuser}
    flags.update({key: value for key, value in changes.items() if key in flags})
    data.update({key: value for key, value in changes.items() if key not in flags})
    data.update({key: "on" for key, value in flags.items() if value})
    return data


@pytest.fixture
def admin_client_(users):
    client = Client()
    client.force_login(users["admin"])
    return client


def test_a_role_change_in_the_admin_moves_the_user_to_the_role_group_and_is_audited(admin_client_, users):
    analyst = users["analyst"]
    response = admin_client_.post(f"/admin/core/user/{analyst.pk}/change/", user_form(analyst, role="coordinator"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    analyst.refresh_from_db()
    assert analyst.role == "coordinator"
    assert list(analyst.groups.values_list("name", flat=True)) == ["coordinator"]
    assert analyst.has_perm("tourism.view_referral")
    assert not analyst.has_perm("passports.view_passport")
    entry = AuditEntry.objects.get(object_type="core.user", object_id=str(analyst.pk), action=AuditAction.UPDATE)
    assert (entry.actor_username, entry.changes) == ("admin", {"role": ["national_analyst", "coordinator"]})


def test_making_someone_a_superuser_in_the_admin_is_audited(admin_client_, users):
    analyst = users["analyst"]
    data = user_form(analyst, is_superuser=True, is_staff=True)
    assert admin_client_.post(f"/admin/core/user/{analyst.pk}/change/", data).status_code == 302
    analyst.refresh_from_db()
    assert (analyst.is_superuser, analyst.is_staff) == (True, True)
    entry = AuditEntry.objects.get(object_type="core.user", object_id=str(analyst.pk), action=AuditAction.UPDATE)
    assert entry.changes == {"is_staff": [False, True], "is_superuser": [False, True]}

    assert admin_client_.post(f"/admin/core/user/{analyst.pk}/change/", user_form(analyst, is_active=False)).url
    last = AuditEntry.objects.filter(object_id=str(analyst.pk), action=AuditAction.UPDATE).first()
    assert last.changes == {"is_active": [True, False]}


def test_a_user_added_in_the_admin_gets_the_role_group_and_an_audit_entry(admin_client_, reference):
    response = admin_client_.post(
        "/admin/core/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "role": "national_analyst",
            "region": "",
            "partner": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(object_type="core.user", action=AuditAction.CREATE)
    assert entry.changes["role"] == [None, "national_analyst"]
    user = entry.actor.__class__.objects.get(username="newcomer")
    assert list(user.groups.values_list("name", flat=True)) == ["national_analyst"]


def test_user_update_checks_the_actor(users):
    analyst = users["analyst"]
    kwargs = {"role": Role.NATIONAL_ANALYST, "region": None, "is_active": True, "is_staff": True}
    with pytest.raises(NotAllowed):
        services.user_update(actor=users["coordinator"], user=analyst, is_superuser=True, **kwargs)
    services.user_update(actor=users["admin"], user=analyst, is_superuser=False, **kwargs)
    analyst.refresh_from_db()
    assert analyst.is_staff is True
    assert Group.objects.get(name="national_analyst").user_set.filter(pk=analyst.pk).exists()
