"""Command-line: demo, import-regions, check, the hyphenated command names."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from onconet.core.models import Facility, Region, User
from onconet.tourism.models import Partner

pytestmark = pytest.mark.django_db


def _demo_snapshot():
    from onconet.passports.models import Passport, StaffMember
    from onconet.tourism.models import Referral

    return (
        list(
            Referral.objects.order_by("patient__family_name").values_list(
                "patient__family_name", "state", "service__code"
            )
        ),
        list(
            Passport.objects.order_by("region__code", "period").values_list(
                "region__code", "period", "status", "population"
            )
        ),
        list(
            StaffMember.objects.order_by("passport__region__code", "passport__period", "staff_id").values_list(
                "staff_id", "specialty", "birth_year", "fte"
            )
        ),
        list(
            Facility.objects.order_by("region__code", "code").values_list(
                "code", "name", "kind", "parent__code", "located_in__code"
            )
        ),
        list(User.objects.order_by("username").values_list("username", "role", "first_name", "last_name")),
        list(Partner.objects.order_by("name").values_list("name", "country__code")),
    )


def test_demo_is_deterministic_and_complete(settings):
    settings.DEMO_PASSWORDS_ALLOWED = True
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    assert all(_demo_snapshot())  # referrals, passports, staff, facilities, users and partners were all built
    assert "password for all: onconet-demo" in out.getvalue()
    assert Region.objects.count() == 83
    assert set(Facility.objects.values_list("kind", flat=True)) == {
        "dispensary",
        "caop",
        "hospital",
        "proton_centre",
        "reference_centre",
        "research_institute",
    }
    assert Facility.objects.filter(kind="dispensary").count() == 83
    assert Facility.objects.filter(located_in__isnull=False).exists()
    assert set(Partner.objects.values_list("country__code", flat=True)) == {
        "BG",
        "RS",
        "HR",
        "CZ",
        "UZ",
        "KZ",
        "FR",
    }
    assert set(User.objects.values_list("role", flat=True)) == {
        "national_admin",
        "national_analyst",
        "regional_reporter",
        "coordinator",
        "medical_reviewer",
        "finance_officer",
        "interpreter",
        "partner_agent",
    }
    assert User.objects.get(username="analyst").check_password("onconet-demo")


def test_demo_is_repeatable_with_the_same_seed(settings):
    """Build, remember, roll back, build again: the two networks are the same row for row."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    first = None
    try:
        with transaction.atomic():
            call_command("demo", "--seed", "11", stdout=StringIO())
            first = _demo_snapshot()
            raise Rollback
    except Rollback:
        pass
    assert first is not None
    assert not Region.objects.exists()
    call_command("demo", "--seed", "11", stdout=StringIO())
    assert _demo_snapshot() == first


def test_demo_refuses_a_database_with_data(reference):
    with pytest.raises(CommandError, match="already holds data"):
        call_command("demo", stdout=StringIO())


def test_demo_users_have_no_password_when_debug_is_off(settings):
    settings.DEMO_PASSWORDS_ALLOWED = False
    out = StringIO()
    call_command("demo", stdout=out)
    assert "have no password" in out.getvalue()
    assert not User.objects.get(username="admin").has_usable_password()


def test_national_scale_is_bigger(reference):
    from onconet.core.demo import build_facilities

    assert build_facilities(scale="national", seed=1) > 800


def test_import_regions_reports_problems_with_exit_2(reference, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "iso_code,name_en,subdivision_type,federal_district,population_2010_census\nRU-ZZZ,X,Y,Central,1\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_regions", str(bad))
    assert exit_info.value.code == 2
    assert "row 2: iso_code: not an ISO 3166-2 code ('RU-ZZZ')" in capsys.readouterr().err


def test_onconet_script_accepts_hyphenated_names():
    result = subprocess.run(
        [sys.executable, "-m", "onconet.cli", "import-regions", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Import regions" in result.stdout


def test_check_command_runs_deployment_checks():
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert "security.W004" in err.getvalue()  # a deploy-only check: HSTS is off on a development instance
    err = StringIO()
    call_command("check", "--no-deploy", stdout=StringIO(), stderr=err)
    assert "security.W004" not in err.getvalue()


def test_check_command_fails_when_the_broker_is_down(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(SystemCheckError, match=r"onconet\.E003"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_collectstatic_with_the_production_storage(tmp_path):
    """Production serves hashed, compressed static files; every reference in the vendored files must resolve."""
    import os

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "test-" + "k" * 50,
        "ALLOWED_HOSTS": "example.org",
        "ONCONET_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "onconet.cli", "collectstatic", "--noinput", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "staticfiles" / "vendor" / "htmx").glob("htmx.min.*.js"))
