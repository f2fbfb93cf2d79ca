"""The international office on /fhir/: the price list (HealthcareService), interpreters and medical reviewers
(Practitioner, PractitionerRole), contracts, invoices and their lines (ChargeItem). Every resource validates with
fhir.resources; our own checks cover what it does not: code bindings, periods, ISO 4217 currencies, BCP-47
languages, exact money, and that every literal reference resolves for the reader."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pycountry
import pytest
from fhir.resources.bundle import Bundle

from onconet.core.roles import Role
from onconet.core.services import user_create
from onconet.interop import fhir
from onconet.scheduling.tests.conftest import TODAY
from onconet.tourism import services as office
from onconet.tourism.letters import OFFICE_LANGUAGES, PARTNER_LANGUAGES
from onconet.tourism.models import Contract, Invoice, QuoteLine, Service
from onconet.tourism.tests.factories import ServiceFactory

SID = "https://onconet.example/fhir/sid"
CODES = "https://onconet.example/fhir/CodeSystem"
OFFICE_TYPES = ["HealthcareService", "Practitioner", "PractitionerRole", "Contract", "Invoice", "ChargeItem"]

# The R5 value sets (required bindings) of the codes we map to.
BINDINGS = {
    ("Contract", "status"): {
        "amended",
        "appended",
        "cancelled",
        "disputed",
        "entered-in-error",
        "executable",
        "executed",
        "negotiable",
        "offered",
        "policy",
        "rejected",
        "renewed",
        "revoked",
        "resolved",
        "terminated",
    },
    ("Invoice", "status"): {"draft", "issued", "balanced", "cancelled", "entered-in-error"},
    ("ChargeItem", "status"): {
        "planned",
        "billable",
        "not-billable",
        "aborted",
        "billed",
        "entered-in-error",
        "unknown",
    },
}
DAYS_OF_WEEK = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
PRICE_COMPONENT_TYPES = {"base", "surcharge", "deduction", "discount", "tax", "informational"}


def get(client: Any, url: str) -> tuple[int, dict[str, Any]]:
    """Status and body, with decimals kept as Decimal so that money compares exactly."""
    response = client.get(url)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.status_code, json.loads(response.content, parse_float=Decimal)


def nodes(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in the resource, depth first."""
    if isinstance(node, dict):
        return [node] + [n for value in node.values() for n in nodes(value)]
    if isinstance(node, list):
        return [n for value in node for n in nodes(value)]
    return []


def is_bcp47_language(code: str) -> bool:
    """A bare ISO 639 language subtag as BCP-47 wants it: the two-letter code where one exists."""
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    lang = pycountry.languages.get(alpha_3=code) if len(code) == 3 else None
    return lang is not None and not hasattr(lang, "alpha_2")


def check_resource(client: Any, resource: dict[str, Any]) -> None:
    kind = resource["resourceType"]
    for (rtype, name), allowed in BINDINGS.items():
        if rtype == kind:
            assert resource[name] in allowed, (kind, name, resource[name])
    for node in nodes(resource):
        if "daysOfWeek" in node:
            assert set(node["daysOfWeek"]) <= DAYS_OF_WEEK
        if "start" in node and "end" in node:  # a Period
            assert dt.date.fromisoformat(node["start"][:10]) <= dt.date.fromisoformat(node["end"][:10])
        if set(node) == {"value", "currency"}:  # Money
            assert pycountry.currencies.get(alpha_3=node["currency"]) is not None, node
            assert isinstance(node["value"], (Decimal, int)), node
        if "amount" in node and "type" in node:  # MonetaryComponent
            assert node["type"] in PRICE_COMPONENT_TYPES, node
        if node.get("system") == "urn:ietf:bcp:47":
            assert is_bcp47_language(node["code"]), node
        if isinstance(node.get("reference"), str):
            ref = node["reference"]
            status, target = get(client, f"/fhir/{ref}")
            assert status == 200, (kind, ref, target)
            assert f"{target['resourceType']}/{target['id']}" == ref
        elif "identifier" in node and "display" in node:  # a logical reference: to something we do not serve
            assert node["identifier"]["system"].startswith(SID)


@pytest.fixture
def desk(users, prepaid_referral):
    """On top of the prepaid proton referral (invoice INV-…-00001, one line, paid in full): a second BG contract
    pricing a consultation by discount and interpreter hours by price, a second BG patient whose two-line invoice
    is unpaid, a draft and an expired contract, a suspended Serbian contract in dinars, and a medical reviewer
    whose languages are stored as ISO 639-3 codes."""
    admin, coordinator, reviewer = users["admin"], users["coordinator"], users["reviewer"]
    ServiceFactory(code="consult", name="Consultation", kind="consultation", base_price=Decimal("30000"))
    ServiceFactory(code="interp-h", name="Interpreter, per hour", kind="interpreter_hour", base_price=Decimal("4000"))
    bg, rs = users["partner"].agency.partner, users["partner2"].agency.partner
    common = {"user": admin, "our_party": "NMRRC", "valid_from": TODAY - dt.timedelta(days=10)}
    consult = office.contract_create(
        **common,
        partner=bg,
        number="BG-DESK-1",
        valid_until=TODAY + dt.timedelta(days=200),
        currency="EUR",
        status="active",
        services=[
            {"service": "consult", "discount_percent": "10"},
            {"service": "interp-h", "price": "40.50", "monthly_quota": 20},
        ],
    )
    draft = office.contract_create(
        **common,
        partner=bg,
        number="BG-DRAFT",
        valid_until=TODAY + dt.timedelta(days=10),
        currency="EUR",
        services=[{"service": "consult", "price": "250"}],
    )
    expired = office.contract_create(
        **common,
        partner=bg,
        number="BG-OLD",
        valid_until=TODAY - dt.timedelta(days=1),
        currency="EUR",
        status="expired",
    )
    serbian = office.contract_create(
        **common,
        partner=rs,
        number="RS-1",
        valid_until=TODAY + dt.timedelta(days=100),
        currency="rsd",
        status="suspended",
        services=[{"service": "consult", "price": "35000"}],
    )
    patient = office.patient_register(
        user=users["partner"],
        partner=bg,
        family_name="Ivanov",
        given_name="Petar",
        date_of_birth=dt.date(1961, 5, 6),
        sex="M",
        citizenship="BG",
        passport_number="BG1112223",
        preferred_language="bg",
    )
    referral = office.referral_submit(
        user=users["partner"], patient=patient, service_code="consult", icd10_codes=["C50.9"]
    )
    office.referral_transition(user=coordinator, referral=referral, name="start_review")
    office.referral_transition(user=reviewer, referral=referral, name="accept", protocol="consultation")
    office.quote_create(
        user=coordinator, referral=referral, lines=[{"service": "consult"}, {"service": "interp-h", "quantity": "2.5"}]
    )
    office.referral_transition(user=coordinator, referral=referral, name="send_quote")
    office.referral_transition(user=users["partner"], referral=referral, name="accept_quote")
    reviewer2 = user_create(
        username="mjovanovic",
        role=Role.MEDICAL_REVIEWER,
        password="correct-horse-battery",
        first_name="Milica",
        last_name="Jovanović",
        email="m.jovanovic@onconet.example",
        languages=["srp", "EN"],
    )
    return {
        "paid": Invoice.objects.get(referral=prepaid_referral),
        "unpaid": Invoice.objects.get(referral=referral),
        "contracts": {"active": consult, "draft": draft, "expired": expired, "suspended": serbian},
        "reviewer2": reviewer2,
        "proton": prepaid_referral.contract,
    }


@pytest.mark.parametrize("resource", OFFICE_TYPES)
@pytest.mark.parametrize("who", ["admin", "coordinator", "partner"])
def test_every_office_resource_validates_and_its_references_resolve(client, users, desk, resource, who):
    client.force_login(users[who])
    status, bundle = get(client, f"/fhir/{resource}?_count=200")
    if who == "partner" and resource.startswith("Practitioner"):
        assert status == 403  # partner agents do not list the office's staff
        assert bundle["issue"][0]["code"] == "forbidden"
        return
    assert status == 200, bundle
    Bundle.model_validate(bundle)
    assert bundle["total"] == len(bundle["entry"]) > 0
    for entry in bundle["entry"]:
        assert entry["fullUrl"].endswith(f"/fhir/{resource}/{entry['resource']['id']}")
        check_resource(client, entry["resource"])


def test_metadata_lists_the_office_resources(client, users):
    client.force_login(users["coordinator"])
    _status, capability = get(client, "/fhir/metadata")
    served = {r["type"]: {p["name"] for p in r["searchParam"]} for r in capability["rest"][0]["resource"]}
    for name in OFFICE_TYPES:
        assert {"_id", "_count", "identifier"} <= served[name]
    assert "date" in served["Invoice"]
    assert "date" not in served["Contract"]


def test_price_list_as_healthcare_services(client, users, desk):
    client.force_login(users["partner"])  # the price list is public to partners
    _status, found = get(client, f"/fhir/HealthcareService?identifier={SID}/service|proton-5")
    assert found["total"] == 1
    proton = found["entry"][0]["resource"]
    assert proton["name"] == "Proton course, 5 fractions"
    assert proton["type"][0]["coding"][0] == {
        "system": f"{CODES}/service",
        "code": "proton-5",
        "display": "Proton course, 5 fractions",
    }
    assert proton["category"][0]["coding"][0]["code"] == "proton_course"
    assert proton["characteristic"][0]["coding"][0] == {"system": f"{CODES}/protocol", "code": "PROTON-5"}
    languages = [c["coding"][0]["code"] for c in proton["communication"]]
    assert languages == [*OFFICE_LANGUAGES, *PARTNER_LANGUAGES]
    assert proton["availability"] == [{"availableTime": [{"daysOfWeek": ["mon", "tue", "wed", "thu", "fri"]}]}]
    assert get(client, "/fhir/HealthcareService?identifier=consult")[1]["total"] == 1
    assert get(client, f"/fhir/HealthcareService?identifier={SID}/contract|consult")[1]["total"] == 0
    client.force_login(users["analyst"])
    assert get(client, "/fhir/HealthcareService")[0] == 403


def test_interpreters_and_reviewers(client, users, desk):
    client.force_login(users["coordinator"])
    _status, bundle = get(client, "/fhir/Practitioner")
    usernames = {e["resource"]["identifier"][0]["value"] for e in bundle["entry"]}
    assert usernames == {"interpreter", "reviewer", "mjovanovic"}  # not the coordinator, finance or admin
    reviewer2 = desk["reviewer2"]
    _status, one = get(client, f"/fhir/Practitioner?identifier={SID}/staff|mjovanovic")
    practitioner = one["entry"][0]["resource"]
    assert practitioner["id"] == str(reviewer2.pk)
    assert practitioner["name"] == [
        {"use": "official", "text": "Milica Jovanović", "family": "Jovanović", "given": ["Milica"]}
    ]
    assert practitioner["telecom"] == [{"system": "email", "value": "m.jovanovic@onconet.example", "use": "work"}]
    # stored as ISO 639-3 "srp", emitted as the BCP-47 tag "sr"
    assert [c["language"]["coding"][0]["code"] for c in practitioner["communication"]] == ["sr", "en"]
    raw = client.get(f"/fhir/Practitioner/{reviewer2.pk}").content.decode()
    assert "password" not in raw
    assert reviewer2.password not in raw

    _status, roles = get(client, "/fhir/PractitionerRole?identifier=interpreter")
    role = roles["entry"][0]["resource"]
    assert role["practitioner"]["reference"] == f"Practitioner/{users['interpreter'].pk}"
    assert role["code"][0]["coding"][0] == {
        "system": f"{CODES}/staff-role",
        "code": "interpreter",
        "display": "Interpreter",
    }
    assert [c["coding"][0]["code"] for c in role["communication"]] == ["bg", "en"]
    _status, reviewer_role = get(client, f"/fhir/PractitionerRole?identifier={SID}/staff-role|mjovanovic/reviewer")
    assert reviewer_role["entry"][0]["resource"]["code"][0]["coding"][0]["code"] == "reviewer"
    assert get(client, "/fhir/PractitionerRole?identifier=mjovanovic/interpreter")[1]["total"] == 0
    assert get(client, "/fhir/Practitioner?identifier=coordinator")[1]["total"] == 0

    client.force_login(users["interpreter"])  # an office role
    assert get(client, "/fhir/PractitionerRole")[0] == 200
    for who in ("partner", "partner2", "analyst", "reporter"):
        client.force_login(users[who])
        for resource in ("Practitioner", "PractitionerRole"):
            status, refused = get(client, f"/fhir/{resource}")
            assert status == 403, (who, resource)
            assert refused["issue"][0]["code"] == "forbidden"
            assert get(client, f"/fhir/{resource}/{reviewer2.pk}")[0] == 403


def test_contracts_status_period_and_priced_services(client, users, desk):
    contracts = desk["contracts"]
    client.force_login(users["coordinator"])
    expected = {"active": "executed", "draft": "negotiable", "suspended": "disputed", "expired": "terminated"}
    for status, record in contracts.items():
        resource = get(client, f"/fhir/Contract/{record.pk}")[1]
        assert resource["status"] == expected[status], status
        assert resource["identifier"] == [{"system": f"{SID}/contract", "value": record.number}]
        assert resource["applies"] == {"start": record.valid_from.isoformat(), "end": record.valid_until.isoformat()}
    _status, found = get(client, f"/fhir/Contract?identifier={SID}/contract|BG-DESK-1")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(contracts["active"].pk)]
    terms = found["entry"][0]["resource"]["term"]
    assert terms[0]["text"] == "100.0 % of each invoice is paid before treatment starts."
    consult, interpreter = (
        {t["identifier"]["value"]: t for t in terms[1:]}[f"BG-DESK-1/{code}"] for code in ("consult", "interp-h")
    )
    item = consult["asset"][0]["valuedItem"][0]
    service = Service.objects.get(code="consult")
    assert item["entityReference"]["reference"] == f"HealthcareService/{service.pk}"
    assert item["unitPrice"] == {"value": Decimal("30000"), "currency": "RUB"}  # a discount on the base price
    assert item["factor"] == Decimal("0.9")
    assert item["net"] == {"value": Decimal("27000"), "currency": "RUB"}
    item = interpreter["asset"][0]["valuedItem"][0]
    assert item["unitPrice"] == item["net"] == {"value": Decimal("40.5"), "currency": "EUR"}
    assert interpreter["text"].endswith("at most 20 a month")
    assert consult["offer"]["party"][0]["reference"][0]["identifier"] == {
        "system": f"{SID}/partner",
        "value": str(users["partner"].agency.partner_id),
    }
    serbian = get(client, f"/fhir/Contract/{contracts['suspended'].pk}")[1]
    assert serbian["term"][1]["asset"][0]["valuedItem"][0]["net"] == {"value": Decimal("35000"), "currency": "RSD"}


def test_contracts_and_invoices_are_scoped_to_the_partner(client, users, desk):
    bg_contract, rs_contract = desk["contracts"]["active"], desk["contracts"]["suspended"]
    invoice = desk["unpaid"]
    line = QuoteLine.objects.filter(quote__invoice=invoice).first()
    client.force_login(users["partner"])
    _status, own = get(client, "/fhir/Contract")
    assert {e["resource"]["identifier"][0]["value"] for e in own["entry"]} == {
        "BG-SCHED-1",
        "BG-DESK-1",
        "BG-DRAFT",
        "BG-OLD",
    }
    assert get(client, f"/fhir/Contract/{rs_contract.pk}")[0] == 404
    assert get(client, f"/fhir/Invoice/{invoice.pk}")[0] == 200
    assert get(client, "/fhir/Invoice")[1]["total"] == 2
    assert get(client, "/fhir/ChargeItem")[1]["total"] == 3
    client.force_login(users["partner2"])
    for url in (f"/fhir/Contract/{bg_contract.pk}", f"/fhir/Invoice/{invoice.pk}", f"/fhir/ChargeItem/{line.pk}"):
        status, missing = get(client, url)
        assert status == 404, url
        assert missing["resourceType"] == "OperationOutcome"
    assert [e["resource"]["id"] for e in get(client, "/fhir/Contract")[1]["entry"]] == [str(rs_contract.pk)]
    assert get(client, f"/fhir/Contract?identifier={bg_contract.number}")[1]["total"] == 0
    assert get(client, "/fhir/Invoice")[1]["total"] == 0
    assert get(client, f"/fhir/Invoice?identifier={invoice.number}")[1]["total"] == 0
    assert get(client, "/fhir/ChargeItem")[1]["total"] == 0
    assert get(client, f"/fhir/ChargeItem?identifier={invoice.number}")[1]["total"] == 0
    # roles without the office's money: 403
    for who in ("analyst", "reporter", "interpreter"):
        client.force_login(users[who])
        for resource in ("Contract", "Invoice", "ChargeItem"):
            assert get(client, f"/fhir/{resource}")[0] == 403, (who, resource)


def test_invoice_money_is_exact_and_lines_are_charge_items(client, users, desk):
    client.force_login(users["finance"])
    for invoice, status in ((desk["paid"], "balanced"), (desk["unpaid"], "issued")):
        resource = get(client, f"/fhir/Invoice/{invoice.pk}")[1]
        assert resource["status"] == status
        assert resource["identifier"] == [{"system": f"{SID}/invoice", "value": invoice.number}]
        assert resource["date"] == invoice.issued_on.isoformat()
        assert resource["subject"] == {"reference": f"Patient/{invoice.referral.patient_id}"}
        assert resource["totalNet"] == resource["totalGross"] == {"value": invoice.total, "currency": invoice.currency}
        assert str(invoice.rate) in resource["note"][0]["text"]
        lines = sorted(invoice.quote.lines.all(), key=lambda line: line.pk)
        assert [item["sequence"] for item in resource["lineItem"]] == list(range(1, len(lines) + 1))
        amounts = [item["priceComponent"][0]["amount"]["value"] for item in resource["lineItem"]]
        assert amounts == [line.amount for line in lines]
        assert sum(amounts) == invoice.total
        for item, line in zip(resource["lineItem"], lines, strict=True):
            assert item["chargeItemReference"] == {"reference": f"ChargeItem/{line.pk}"}
            charge = get(client, f"/fhir/ChargeItem/{line.pk}")[1]
            assert charge["status"] == "billed"
            assert charge["subject"] == resource["subject"]
            assert charge["code"]["coding"][0]["code"] == line.service.code
            assert charge["quantity"] == {"value": line.quantity}
            assert charge["unitPriceComponent"]["amount"] == {"value": line.unit_price, "currency": invoice.currency}
            assert charge["totalPriceComponent"] == {
                "type": "base",
                "factor": line.quantity,
                "amount": {"value": line.amount, "currency": invoice.currency},
            }
    unpaid = get(client, f"/fhir/Invoice/{desk['unpaid'].pk}")[1]
    # 300 EUR less 10 % for the consultation, 2.5 interpreter hours at 40.50 EUR
    assert [i["priceComponent"][0]["amount"]["value"] for i in unpaid["lineItem"]] == [
        Decimal("270"),
        Decimal("101.25"),
    ]
    assert unpaid["totalNet"]["value"] == Decimal("371.25") == desk["unpaid"].total


def test_references_to_patients_are_logical_for_readers_who_may_not_see_patients(users, desk):
    invoice = desk["unpaid"]
    analyst = users["analyst"]  # no tourism.view_foreignpatient
    logical = {"identifier": {"system": f"{SID}/foreign-patient", "value": str(invoice.referral.patient_id)}}
    assert fhir.invoice(invoice, analyst)["subject"] == logical
    assert fhir.charge_item(invoice.quote.lines.first(), analyst)["subject"] == logical
    contract = Contract.objects.get(number="BG-DESK-1")
    item = fhir.contract(contract, analyst)["term"][1]["asset"][0]["valuedItem"][0]
    assert "entityReference" not in item
    assert item["entityCodeableConcept"]["coding"][0]["code"] == "consult"


def test_invoice_and_charge_item_search(client, users, desk):
    paid, unpaid = desk["paid"], desk["unpaid"]
    client.force_login(users["coordinator"])
    _status, found = get(client, f"/fhir/Invoice?identifier={SID}/invoice|{unpaid.number}")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(unpaid.pk)]
    assert get(client, f"/fhir/Invoice?identifier={SID}/contract|{unpaid.number}")[1]["total"] == 0
    today, tomorrow = TODAY.isoformat(), (TODAY + dt.timedelta(days=1)).isoformat()
    assert get(client, f"/fhir/Invoice?date={today}")[1]["total"] == 2
    assert get(client, f"/fhir/Invoice?date=ge{tomorrow}")[1]["total"] == 0
    assert get(client, f"/fhir/Invoice?date=le{today}&identifier={paid.number}")[1]["total"] == 1
    _status, lines = get(client, f"/fhir/ChargeItem?identifier={unpaid.number}")
    assert [e["resource"]["identifier"][0]["value"] for e in lines["entry"]] == [
        f"{unpaid.number}/1",
        f"{unpaid.number}/2",
    ]
    _status, second = get(client, f"/fhir/ChargeItem?identifier={SID}/invoice-line|{unpaid.number}/2")
    assert [e["resource"]["code"]["coding"][0]["code"] for e in second["entry"]] == ["interp-h"]
    assert get(client, f"/fhir/ChargeItem?identifier={unpaid.number}/3")[1]["total"] == 0
    assert get(client, f"/fhir/ChargeItem?identifier={unpaid.number}/0")[1]["total"] == 0


def test_bad_office_searches_are_400_outcomes(client, users, desk):
    client.force_login(users["admin"])
    cases = {
        "/fhir/Invoice?date=yesterday": 'date: "yesterday" is not a date',
        "/fhir/Contract?date=2026-01-01": "Unsupported search parameters for Contract: date",
        "/fhir/Contract?status=active": "Unsupported search parameters for Contract: status",
        "/fhir/HealthcareService?name=proton": "Unsupported search parameters for HealthcareService: name",
        "/fhir/Practitioner?_count=1000": "_count: must be between 0 and 200",
        "/fhir/ChargeItem?_page=0": "_page: must be between 1 and 1000000",
        "/fhir/Invoice?patient=1": "Unsupported search parameters for Invoice: patient",
    }
    for url, message in cases.items():
        status, problem = get(client, url)
        assert status == 400, url
        assert problem["resourceType"] == "OperationOutcome"
        assert problem["issue"][0]["code"] == "invalid"
        assert message in problem["issue"][0]["diagnostics"], url
    assert get(client, "/fhir/Invoice/INV-1")[0] == 404
