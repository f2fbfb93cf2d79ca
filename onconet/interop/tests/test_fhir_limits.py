"""The size of a referral Bundle (FHIR_MAX_BUNDLE_MB, read by the view itself, not capped at Django's 2.5 MiB
DATA_UPLOAD_MAX_MEMORY_SIZE) and the refusals of the FHIR endpoint, each an OperationOutcome."""

from __future__ import annotations

import base64
import io
import json
import os
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from onconet.interop.tests.test_fhir_import import bundle, counts, post, service, token  # noqa: F401  (fixtures)

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def large_png() -> bytes:
    """A PNG of noise (which does not compress), 2.4 MB: 3.2 MB in base64, past Django's 2.5 MiB body cap."""
    data = io.BytesIO()
    Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3)).save(data, format="PNG", compress_level=1)
    return data.getvalue()


@pytest.fixture
def sender(request: pytest.FixtureRequest) -> str:
    """A partner agent's token, and the price list's proton course that the Bundle asks for."""
    request.getfixturevalue("service")
    return str(request.getfixturevalue("token"))


def with_document(content: bytes, content_type: str = "image/png") -> dict[str, Any]:
    data = bundle()
    attachment = data["entry"][2]["resource"]["content"][0]["attachment"]
    attachment.update(contentType=content_type, title="ct-scan.png", data=base64.b64encode(content).decode())
    return data


def test_a_bundle_of_3_mb_enters_the_pipeline(client: Client, sender, large_png, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    body = json.dumps(with_document(large_png))
    assert 3 * 10**6 < len(body) < 4 * 10**6
    status, response = post(client, body, sender)
    assert status == 200, response
    assert [e["response"]["status"] for e in response["entry"]] == ["201 Created"] * 3
    assert counts() == (1, 1, 1)


def test_a_bundle_over_the_limit_is_413(client: Client, sender, large_png, settings):
    settings.FHIR_MAX_BUNDLE_MB = 3
    body = json.dumps(with_document(large_png + large_png[: MIB // 2]))  # a damaged PNG: never looked at
    assert len(body) > 3 * MIB
    status, problem = post(client, body, sender)
    assert status == 413
    assert problem == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "too-long",
                "diagnostics": "The Bundle is larger than 3 MiB (FHIR_MAX_BUNDLE_MB).",
            }
        ],
    }
    assert counts() == (0, 0, 0)


def test_the_declared_length_is_judged_before_the_body_is_read(client: Client, sender):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {sender}"}
    small = json.dumps(bundle())
    response = client.post(
        "/fhir/", small, content_type="application/fhir+json", CONTENT_LENGTH=str(16 * MIB), **headers
    )
    assert response.status_code == 413  # the default limit is 15 MiB: a 10 MiB document in base64 and the rest
    assert json.loads(response.content)["issue"][0]["code"] == "too-long"
    response = client.post("/fhir/", small, content_type="application/fhir+json", CONTENT_LENGTH="", **headers)
    assert response.status_code == 411
    assert json.loads(response.content)["issue"][0]["code"] == "required"
    assert counts() == (0, 0, 0)


def test_a_nul_in_a_bundle_too_large_for_the_middleware_is_refused(client: Client, sender, large_png):
    data = with_document(large_png)
    data["entry"][1]["resource"]["note"] = [{"text": "summary\x00"}]
    status, problem = post(client, data, sender)
    assert status == 400
    assert "NUL character" in problem["issue"][0]["diagnostics"]
    assert counts() == (0, 0, 0)


def test_a_method_the_endpoint_does_not_take_is_a_405_outcome(client: Client, users):
    client.force_login(users["admin"])
    for method, url, allowed in [
        ("get", "/fhir/", "POST"),
        ("post", "/fhir/Device", "GET"),
        ("delete", "/fhir/metadata", "GET"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 405, url
        assert response["Allow"] == allowed
        assert json.loads(response.content)["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    "path", ["/fhir/Patient/1/_history", "/fhir/patient", "/fhir/Patient/", "/fhir/x/y/z", "/fhir/Patient/" + "9" * 65]
)
def test_a_path_that_is_no_interaction_is_a_404_outcome_after_authentication(client: Client, users, path):
    assert client.get(path).status_code == 401  # nothing is said about paths before the caller is known
    client.force_login(users["admin"])
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path)
        assert response["Content-Type"].startswith("application/fhir+json")
        issue = json.loads(response.content)["issue"][0]
        assert issue["code"] == "not-found"
        assert "is no FHIR interaction OncoNet serves" in issue["diagnostics"]
