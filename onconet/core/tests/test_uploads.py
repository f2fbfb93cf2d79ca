"""Uploads (onconet.core.uploads): documents identified by parsing them, names that follow the detected type, and
bodies refused from their declared length before they are read."""

import io

import pytest
from PIL import Image

from conftest import pdf_bytes, png_bytes
from onconet.core.errors import InvalidInput
from onconet.core.tests.multipart import post_upload
from onconet.core.uploads import JPEG, PDF, PNG, checked_document, document_file_name, identify_document

MB = 1024 * 1024


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_real_documents_are_identified_by_their_content():
    assert identify_document(pdf_bytes()) == PDF
    assert identify_document(png_bytes()) == PNG
    assert identify_document(_jpeg()) == JPEG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>",
            "Only PDF, PNG and JPEG files are accepted; this file starts like a PDF but cannot be opened as one.",
        ),
        (
            b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
            "Only PDF, PNG and JPEG files are accepted; this file starts like an image but cannot be opened as one.",
        ),
        (
            b"\xff\xd8\xff<svg onload=alert(1)>",
            "Only PDF, PNG and JPEG files are accepted; this file starts like an image but cannot be opened as one.",
        ),
        (b"<html>", "Only PDF, PNG and JPEG files are accepted; this file's content is none of them."),
        (b"", "The file is empty."),
    ],
    ids=["pdf-magic-html", "png-magic-html", "jpeg-magic-svg", "html", "empty"],
)
def test_files_that_only_start_like_a_document_are_refused(data, message):
    with pytest.raises(InvalidInput) as err:
        identify_document(data)
    assert err.value.detail == message


def test_an_image_with_too_many_pixels_is_refused_without_decoding(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1)  # a 2×2 PNG is then a decompression bomb
    with pytest.raises(InvalidInput, match="starts like an image but cannot be opened"):
        identify_document(png_bytes())


def test_the_stored_name_takes_the_extension_of_the_detected_type():
    assert checked_document(pdf_bytes(), "scan.html") == ("application/pdf", "scan.pdf")
    assert document_file_name("C:\\Users\\me\\x-ray.v2.PNG", PNG) == "x-ray.v2.png"
    assert document_file_name("../../.htaccess", PDF) == "htaccess.pdf"
    assert document_file_name("", JPEG) == "document.jpg"


def test_documents_over_the_limit_are_refused(settings):
    settings.DOCUMENT_UPLOAD_MAX_MB = 1
    with pytest.raises(InvalidInput) as err:
        checked_document(b"%PDF-" + b"0" * MB, "big.pdf")
    assert err.value.detail == "The file is 1.0 MiB; the limit is 1 MiB."


def csrf_client(user=None):
    """A client that, like a browser, has its CSRF check run (Django's test client skips it): the check parses the
    body before any view runs, so it is where an unchecked upload would be read."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # anyone gets a CSRF cookie from the sign-in page
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_upload_page_refuses_a_body_declared_over_its_limit_before_reading(users):
    client = csrf_client(users["coordinator"])
    response, read = post_upload(client, "/office/contracts/", pdf_bytes(), declared_length=400 * MB)
    assert (response.status_code, read) == (413, 0)
    assert "The upload is 400.0 MiB; the limit is 10.0 MiB." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/office/contracts/",
        "/office/prices/",
        "/scheduling/courses/",
        "/partnerships/countries/",
        "/partnerships/accreditations/",
    ],
)
def test_an_upload_page_reads_nothing_from_someone_who_may_not_send_it(users, path):
    """The permission is checked before the CSRF check parses the body: the analyst's 4 MiB are never read."""
    client = csrf_client(users["analyst"])
    response, read = post_upload(client, path, b"0" * (4 * MB), filename="x.csv")
    assert response.status_code == 403
    assert read == 0


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [True, False])
def test_anywhere_else_a_file_part_is_cut_off_at_an_ordinary_forms_size(users, signed_in):
    """A URL that takes no uploads: the CSRF check parses the body before any view runs, but keeps at most
    DATA_UPLOAD_MAX_MEMORY_SIZE of a file (2.5 MiB) — nobody makes the server store 20 MiB by posting anywhere."""
    client = csrf_client(users["analyst"] if signed_in else None)
    for path in ("/", "/accounts/login/"):
        response, read = post_upload(client, path, b"0" * (20 * MB), filename="x.bin")
        assert response.status_code == 400, path
        assert read <= 2_621_440 + 128 * 1024


@pytest.mark.django_db
def test_the_api_cuts_a_file_part_over_the_upload_limit_while_it_streams(client, users, settings):
    from onconet.core import services

    settings.CSV_UPLOAD_MAX_MB = 1
    _token, raw = services.api_token_create(user=users["finance"], name="t")
    response, read = post_upload(
        client, "/api/v1/exchange-rates/import", b"0" * (MB + 10), auth={"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The upload is larger than 1.0 MiB, the limit."
    assert read <= MB + 128 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/exchange-rates/import",
        "/api/v1/partnerships/countries/indicators",
        "/api/v1/scheduling/courses/import",
    ],
)
def test_an_api_import_reads_nothing_from_someone_who_may_not_send_it(client, users, path):
    from onconet.core import services

    _token, raw = services.api_token_create(user=users["partner"], name="t")
    response, read = post_upload(client, path, b"0" * (4 * MB), auth={"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    assert response.status_code == 403
    assert read == 0
