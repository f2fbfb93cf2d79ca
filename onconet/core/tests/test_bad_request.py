"""Requests Django refuses before any view (a Host header it does not answer) get the API's own error format."""

from __future__ import annotations


def test_a_bad_host_is_answered_in_the_format_of_the_path(client):
    api = client.post("/api/v1/partnerships/cities", {}, content_type="application/json", HTTP_HOST="qZ")
    assert (api.status_code, api["Content-Type"]) == (400, "application/json")
    assert api.json()["errors"] == []
    fhir = client.get("/fhir/Patient", HTTP_HOST="qZ")
    assert (fhir.status_code, fhir["Content-Type"]) == (400, "application/fhir+json")
    assert fhir.json()["issue"][0]["code"] == "invalid"
    page = client.get("/", HTTP_HOST="qZ")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
