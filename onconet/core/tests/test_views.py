"""Pages: login and lockout, dashboards by role, scoping over pages, language, health."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_facility
from onconet.core.models import AuditAction, AuditEntry, Facility
from onconet.core.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_login_page_and_successful_login_is_audited(client, users):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_username="analyst").exists()


def test_anonymous_is_sent_to_login(client, reference):
    response = client.get("/regions/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_repeated_wrong_passwords_lock_the_username(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 3  # LOGIN_FAILURE_LIMIT, as django-axes reads it
    for _ in range(2):
        response = client.post("/accounts/login/", {"username": "analyst", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": "analyst", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # even the right password is refused while locked
    response = client.post("/accounts/login/", {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_audited(client, users):
    login(client, users["analyst"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor_username="analyst").exists()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (
            "admin",
            [
                "Regions",
                "Facilities",
                "Passports",
                "Analytics",
                "Referrals",
                "Partners",
                "Scheduling",
                "Partnerships",
                "Jobs",
            ],
        ),
        (
            "analyst",
            ["Regions", "Facilities", "Passports", "Analytics", "Partners", "Scheduling", "Partnerships", "Jobs"],
        ),
        ("reporter", ["Regions", "Facilities", "Passports", "Scheduling", "Partnerships", "Jobs"]),
        ("coordinator", ["Regions", "Facilities", "Referrals", "Partners", "Scheduling", "Partnerships", "Jobs"]),
        ("partner", ["Referrals", "Partners", "Certified centres", "Jobs"]),
    ],
)
def test_navigation_by_role(client, users, username, expected):
    response = login(client, users[username]).get("/")
    assert response.status_code == 200
    labels = [str(item["label"]) for item in response.context["nav_items"]][1:]
    assert labels == expected


def test_the_few_tools_are_in_the_user_menu(client, users):
    tools = [str(item["label"]) for item in login(client, users["admin"]).get("/").context["tool_items"]]
    assert tools == ["Audit log", "Sign-in security"]
    assert login(Client(), users["coordinator"]).get("/").context["tool_items"] == []


def test_reporter_gets_404_for_other_regions_pages(client, users, region, other_region):
    foreign = make_facility(other_region, "MOW-1")
    login(client, users["reporter"])
    assert client.get(f"/facilities/{foreign.pk}/").status_code == 404
    assert client.get(f"/facilities/{foreign.pk}/edit/").status_code == 404
    response = client.post(f"/facilities/{foreign.pk}/edit/", {"code": "MOW-1", "name": "Hijacked", "kind": "hospital"})
    assert response.status_code == 404
    assert client.get("/regions/RU-MOW/").status_code == 404
    assert client.get("/facilities/new/?region=RU-MOW").status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Facility MOW-1"


def test_reporter_facility_list_shows_only_own_region(client, users, region, other_region):
    make_facility(region, "KLU-1")
    make_facility(other_region, "MOW-1")
    response = login(client, users["reporter"]).get("/facilities/?sort=-code")
    codes = [f.code for f in response.context["page"]]
    assert codes == ["KLU-1"]


def test_facility_list_filters_and_sorts(client, users, region):
    make_facility(region, "B-HOSP", name="Beta")
    make_facility(region, "A-DISP", kind="dispensary", name="Alpha")
    login(client, users["analyst"])
    response = client.get("/facilities/?sort=-code")
    assert [f.code for f in response.context["page"]] == ["B-HOSP", "A-DISP"]
    response = client.get("/facilities/?kind=dispensary")
    assert [f.code for f in response.context["page"]] == ["A-DISP"]
    response = client.get("/facilities/?q=beta")
    assert [f.code for f in response.context["page"]] == ["B-HOSP"]


def test_reporter_adds_facility_through_the_form(client, users, region):
    login(client, users["reporter"])
    response = client.post(
        "/facilities/new/",
        {"region": "RU-KLU", "code": "KLU-C1", "name": "CAOP 1", "kind": "caop", "is_active": "on"},
    )
    facility = Facility.objects.get(code="KLU-C1")
    assert response.status_code == 302
    assert response.url == f"/facilities/{facility.pk}/"


def test_facility_form_shows_problems_next_to_fields_and_writes_nothing(client, users, region):
    make_facility(region, "DUP")
    login(client, users["reporter"])
    response = client.post(
        "/facilities/new/",
        {"region": "RU-KLU", "code": "dup", "name": "X", "kind": "hospital", "latitude": "95"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "latitude" in form.errors
    assert Facility.objects.count() == 1


def test_analyst_cannot_open_the_edit_form(client, users, region):
    facility = make_facility(region, "H1")
    response = login(client, users["analyst"]).get(f"/facilities/{facility.pk}/edit/")
    assert response.status_code == 403


def test_audit_page_is_for_admins_and_filters(client, users, region):
    make_facility(region, "H1")
    login(client, users["admin"]).post(
        "/facilities/new/",
        {"region": "RU-KLU", "code": "N", "name": "N", "kind": "hospital", "is_active": "on"},
    )
    response = client.get("/audit/?action=create&object_type=core.facility")
    assert response.status_code == 200
    assert [e.object_type for e in response.context["page"]] == ["core.facility"]
    assert login(Client(), users["analyst"]).get("/audit/").status_code == 403


def test_partner_agent_sees_only_own_partner_pages(client, users):
    own = users["partner"].agency.partner
    other = users["partner2"].agency.partner
    login(client, users["partner"])
    response = client.get("/partners/")
    assert [p.pk for p in response.context["partners"]] == [own.pk]
    assert client.get(f"/partners/{own.pk}/").status_code == 200
    assert client.get(f"/partners/{other.pk}/").status_code == 404
    assert client.get("/regions/").status_code == 403


def test_language_switch_to_russian(client, users):
    login(client, users["analyst"])
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ru"' in page
    assert "Регионы" in page


def test_token_page_shows_a_new_token_once(client, users):
    login(client, users["analyst"])
    response = client.post("/account/tokens/", {"name": "etl"})
    assert response.context["created"].startswith("onc_")
    response = client.get("/account/tokens/")
    assert response.context["created"] is None
    assert b"onc_" in response.content  # the prefix only


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_names_the_failed_broker(client, db, monkeypatch):
    # Celery reads this variable before its settings, so it points the health check at a closed port.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_responses_carry_a_request_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"


def test_a_failed_jobs_bar_says_failed_not_a_stuck_percentage(client, users):
    job = JobFactory(created_by=users["analyst"], status="failed", progress=5, error="broker down")
    client.force_login(users["analyst"])
    page = client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert "failed at 5 %" in page
    assert "bg-danger w-100" in page
    assert "progress-bar-animated" not in page
