"""The approval state machine, copy-forward and row editing."""

import pytest

from onconet.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from onconet.core.models import AuditAction, AuditEntry
from onconet.passports import services
from onconet.passports.models import Equipment, Passport, PassportEvent, PassportStatus, StaffMember
from onconet.passports.tests.factories import make_standards, valid_rows, xlsx_bytes
from onconet.passports.workbook import read_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def passport(reference, region):
    make_standards()
    services.passport_import(book=read_workbook(xlsx_bytes(valid_rows())), period=2025, user=None)
    return Passport.objects.get(region=region, period=2025)


def test_submit_approve_is_audited_and_in_the_history(passport, users):
    services.passport_submit(passport=passport, user=users["reporter"])
    services.passport_approve(passport=passport, user=users["admin"], comment="Thank you")
    passport.refresh_from_db()
    assert passport.status == PassportStatus.APPROVED
    assert passport.approved_at is not None
    actions = list(
        PassportEvent.objects.filter(passport=passport).order_by("at", "id").values_list("action", "to_status")
    )
    assert actions[-2:] == [("submit", "submitted"), ("approve", "approved")]
    changes = AuditEntry.objects.filter(action=AuditAction.STATE_CHANGE, object_id=str(passport.pk))
    assert sorted(tuple(e.changes["status"]) for e in changes) == [("draft", "submitted"), ("submitted", "approved")]


def test_return_needs_a_comment_and_goes_back_to_draft(passport, users):
    services.passport_submit(passport=passport, user=users["reporter"])
    with pytest.raises(InvalidInput):
        services.passport_return(passport=passport, user=users["admin"], comment="   ")
    services.passport_return(passport=passport, user=users["admin"], comment="Check the radiologists' birth years")
    passport.refresh_from_db()
    assert passport.status == PassportStatus.DRAFT
    event = PassportEvent.objects.filter(passport=passport).first()
    assert (event.action, event.comment) == ("return", "Check the radiologists' birth years")


def test_transitions_out_of_order_are_409_with_the_allowed_next_states(passport, users):
    with pytest.raises(DomainError) as err:
        services.passport_approve(passport=passport, user=users["admin"])
    assert err.value.status_code == 409
    assert err.value.detail == "Cannot approve a passport that is draft; allowed next: submit."


def test_only_national_admins_approve(passport, users):
    services.passport_submit(passport=passport, user=users["reporter"])
    for name in ("reporter", "analyst"):
        with pytest.raises(NotAllowed):
            services.passport_approve(passport=passport, user=users[name])
    passport.refresh_from_db()
    assert passport.status == PassportStatus.SUBMITTED


def test_another_regions_reporter_gets_not_found(passport, users):
    with pytest.raises(NotFound):
        services.passport_submit(passport=passport, user=users["reporter2"])


def test_errors_block_submission_warnings_do_not(passport, users):
    Passport.objects.filter(pk=passport.pk).update(dispensary=None)
    with pytest.raises(DomainError) as err:
        services.passport_submit(passport=passport, user=users["reporter"])
    assert [f.rule for f in err.value.errors] == ["P001"]
    passport.refresh_from_db()
    assert passport.status == PassportStatus.DRAFT


def test_approved_passport_is_locked_until_reopened_with_a_reason(passport, users):
    services.passport_submit(passport=passport, user=users["reporter"])
    services.passport_approve(passport=passport, user=users["admin"])
    row = StaffMember.objects.get(staff_id="S1")
    with pytest.raises(DomainError, match="approved and locked"):
        services.passport_row_save(
            user=users["reporter"],
            passport=passport,
            section="staff",
            values={"facility_code": "DISP", "staff_id": "S9", "specialty": "oncologist", "birth_year": 1980, "fte": 1},
        )
    with pytest.raises(DomainError):
        services.passport_row_delete(user=users["reporter"], passport=passport, section="staff", row_id=row.pk)
    with pytest.raises(NotAllowed):
        services.passport_reopen(passport=passport, user=users["reporter"], reason="typo")
    with pytest.raises(InvalidInput):
        services.passport_reopen(passport=passport, user=users["admin"], reason="")
    services.passport_reopen(passport=passport, user=users["admin"], reason="Ministry corrected the census figure")
    passport.refresh_from_db()
    assert passport.status == PassportStatus.DRAFT
    assert PassportEvent.objects.filter(passport=passport, action="reopen").get().comment == (
        "Ministry corrected the census figure"
    )


def test_copy_forward_copies_last_years_rows(passport, users, region):
    new = services.passport_create(user=users["reporter"], region=region, period=2026, copy_forward=True)
    assert new.status == PassportStatus.DRAFT
    assert new.population == passport.population
    assert StaffMember.objects.filter(passport=new).count() == 3
    assert Equipment.objects.filter(passport=new).count() == 2
    # the copy is separate: changing it leaves last year alone
    StaffMember.objects.filter(passport=new, staff_id="S1").update(fte=0.5)
    assert str(StaffMember.objects.get(passport=passport, staff_id="S1").fte) == "1.00"
    assert PassportEvent.objects.get(passport=new).action == "copy_forward"
    with pytest.raises(DomainError, match="already has a passport for 2026"):
        services.passport_create(user=users["reporter"], region=region, period=2026)


def test_copy_forward_without_an_earlier_passport_is_refused(users, other_region):
    with pytest.raises(DomainError, match="no earlier passport"):
        services.passport_create(user=users["admin"], region=other_region, period=2025, copy_forward=True)


def test_row_save_uses_the_import_rules(passport, users):
    with pytest.raises(InvalidInput) as err:
        services.passport_row_save(
            user=users["reporter"],
            passport=passport,
            section="staff",
            values={
                "facility_code": "DISP",
                "staff_id": "S9",
                "specialty": "oncologist",
                "birth_year": "2030",
                "fte": "2",
            },
        )
    assert sorted((p.field, p.message) for p in err.value.errors) == [("fte", "must be at most 1.5")]
    with pytest.raises(InvalidInput) as err:
        services.passport_row_save(
            user=users["reporter"],
            passport=passport,
            section="staff",
            values={
                "facility_code": "DISP",
                "staff_id": "S9",
                "specialty": "oncologist",
                "birth_year": "2030",
                "fte": "1",
            },
        )
    assert [(p.field, p.message) for p in err.value.errors] == [("birth_year", "must be between 1935 and 2007")]
    assert StaffMember.objects.filter(passport=passport).count() == 3


def test_row_save_adds_changes_and_refuses_duplicates(passport, users):
    values = {"facility_code": "disp", "staff_id": "s9", "specialty": "Pathologist", "birth_year": "1980", "fte": "1"}
    added = services.passport_row_save(user=users["reporter"], passport=passport, section="staff", values=values)
    assert (added.staff_id, added.specialty) == ("S9", "pathologist")
    changed = services.passport_row_save(
        user=users["reporter"], passport=passport, section="staff", values={**values, "fte": "0.5"}, row_id=added.pk
    )
    assert changed.pk == added.pk
    assert str(StaffMember.objects.get(pk=added.pk).fte) == "0.50"
    with pytest.raises(InvalidInput) as err:
        services.passport_row_save(
            user=users["reporter"], passport=passport, section="staff", values={**values, "staff_id": "S1"}
        )
    assert err.value.errors[0].message == "another row of this passport has the same staff_id"


def test_row_delete_is_audited(passport, users):
    row = StaffMember.objects.get(passport=passport, staff_id="S3")
    services.passport_row_delete(user=users["reporter"], passport=passport, section="staff", row_id=row.pk)
    assert not StaffMember.objects.filter(pk=row.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="passports.staffmember").exists()


def test_region_sheet_update_checks_the_dispensary(passport, users):
    from onconet.core.models import Facility

    hospital = Facility.objects.get(region=passport.region, code="H1")
    with pytest.raises(InvalidInput) as err:
        services.passport_update_region_sheet(
            user=users["reporter"], passport=passport, population=0, cancer_incidence=-1, dispensary_id=hospital.pk
        )
    assert sorted(p.field for p in err.value.errors) == ["cancer_incidence", "dispensary", "population"]
    services.passport_update_region_sheet(
        user=users["reporter"],
        passport=passport,
        population=1_000_000,
        cancer_incidence=5000,
        dispensary_id=passport.dispensary_id,
    )
    passport.refresh_from_db()
    assert passport.population == 1_000_000


def test_standards_catalogue_is_for_admins(users, reference):
    with pytest.raises(NotAllowed):
        services.standard_save(user=users["reporter"], code="X", title="X")
    standard = services.standard_save(user=users["admin"], code=" rt-qa-01 ", title="Radiotherapy QA")
    assert standard.code == "RT-QA-01"
