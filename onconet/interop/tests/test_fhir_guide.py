"""docs/fhir.md is true: its tables are the server's registry and systems, its examples are sent to the server
and answered as the page shows, and the CapabilityStatement lists what the server really does."""

from __future__ import annotations

import base64
import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import pdf_bytes
from onconet.core.services import api_token_create
from onconet.interop.fhir import DATE_PARAMS, RESOURCES
from onconet.tourism.models import Referral, Service
from onconet.tourism.tests.factories import ServiceFactory

INTEROP = Path(settings.BASE_DIR) / "onconet" / "interop"
GUIDE = (Path(settings.BASE_DIR) / "docs" / "fhir.md").read_text(encoding="utf-8")
SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in [*(INTEROP / "fhir").glob("*.py"), INTEROP / "importer.py"])


def _table(marker: str) -> list[list[str]]:
    """The rows of the table after `<!-- marker … -->`, cells stripped, without the header and the rule."""
    after = GUIDE.split(f"<!-- {marker}", 1)[1].split("\n", 1)[1]
    lines = []
    for line in after.splitlines():
        if not line.startswith("|"):
            break
        lines.append([cell.strip() for cell in line.strip("|").split("|")])
    return lines[2:]


def _example(name: str) -> str:
    return GUIDE.split(f"<!-- example: {name} -->", 1)[1].split("```", 2)[1].split("\n", 1)[1]


def test_the_resource_table_is_the_servers_registry():
    rows = _table("resources")
    assert [row[0] for row in rows] == sorted(RESOURCES)
    for name, _record, identifier, date in rows:
        assert (identifier != "—") == (RESOURCES[name].identifier is not None), name
        documented = re.match(r"`(\w+)`", date)
        assert (documented.group(1) if documented else None) == DATE_PARAMS.get(name), name


@pytest.mark.parametrize(("marker", "kind"), [("identifier-systems", "sid"), ("code-systems", "CodeSystem")])
def test_every_system_the_server_uses_is_documented_and_no_other(marker, kind):
    prefix = {"sid": "SYSTEM", "CodeSystem": "CODES"}[kind]
    used = set(re.findall(r"\{" + prefix + r"\}/([a-z0-9/-]+)", SOURCES))
    documented = {re.match(r"`\{base\}/" + kind + r"/([a-z0-9/-]+)`", row[0]).group(1) for row in _table(marker)}
    assert documented == used


@pytest.fixture
def proton(db: None) -> Service:
    return ServiceFactory(
        code="proton-25",
        name="Proton therapy course, 25 fractions",
        kind="proton_course",
        protocol="PROTON-25",
        base_price=Decimal("3200000"),
        is_course=True,
    )


def _send(client: Any, token: str, data: dict[str, Any]) -> Any:
    return client.post(
        "/fhir/", json.dumps(data), content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _transaction() -> dict[str, Any]:
    data = json.loads(_example("transaction"))
    attachment = data["entry"][2]["resource"]["content"][0]["attachment"]
    assert attachment["data"] == "JVBERi0…"  # the page shortens the file; a real PDF goes to the server
    attachment["data"] = base64.b64encode(pdf_bytes()).decode()
    return data


def test_the_transaction_example_is_answered_as_the_page_shows(client, users, proton):
    token = api_token_create(user=users["partner"], name="guide")[1]
    response = _send(client, token, _transaction())
    assert response.status_code == 200, response.content
    referral = Referral.objects.get()
    expected = _example("transaction-response")
    expected = expected.replace("Patient/1", f"Patient/{referral.patient_id}").replace("R-1 ", f"R-{referral.pk} ")
    assert response.json() == json.loads(expected)
    assert referral.icd10_codes == ["C71.9"]
    assert referral.documents.count() == 1


def test_the_refusal_example_is_the_servers_answer(client, users, proton):
    token = api_token_create(user=users["partner"], name="guide")[1]
    data = _transaction()
    wrong = copy.deepcopy(data)
    wrong["entry"][1]["resource"]["reason"][0]["concept"]["coding"][0]["code"] = "Q99.999"
    response = _send(client, token, wrong)
    assert response.status_code == 400
    issues = response.json()["issue"]
    for documented in json.loads(_example("refusal"))["issue"]:
        assert any(documented.items() <= issue.items() for issue in issues), issues
    assert not Referral.objects.exists()


def test_the_example_searches_answer_bundles(client, users):
    client.force_login(users["coordinator"])
    for line in _example("searches").strip().splitlines():
        method, url = line.split()
        assert method == "GET"
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["resourceType"] == ("CapabilityStatement" if url == "/fhir/metadata" else "Bundle")


def test_the_capability_statement_lists_what_the_server_does(client, users):
    client.force_login(users["admin"])
    rest = client.get("/fhir/metadata").json()["rest"][0]
    assert rest["interaction"] == [{"code": "transaction"}]
    by_type = {r["type"]: r for r in rest["resource"]}
    assert sorted(by_type) == sorted(RESOURCES)
    for name, kind in RESOURCES.items():
        params = {p["name"] for p in by_type[name]["searchParam"]}
        expected = {"_id", "_count", "_page"} | ({"identifier"} if kind.identifier else set())
        assert params == expected | ({DATE_PARAMS[name]} if name in DATE_PARAMS else set()), name
        assert [i["code"] for i in by_type[name]["interaction"]] == ["read", "search-type"]
    assert [op["name"] for op in by_type["Patient"]["operation"]] == ["everything"]
