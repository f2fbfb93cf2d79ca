"""Patient and contract documents: identified by parsing them, stored and served under the detected type."""

import pytest
from django.core.files.base import ContentFile

from conftest import pdf_bytes
from onconet.core.tests.multipart import post_upload
from onconet.tourism.models import ContractDocument, PatientDocument
from onconet.tourism.tests.test_office import referral_for

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
HTML_PDF = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_pdf_that_is_html_is_refused_on_the_page(client, users, office, media):
    referral = referral_for(users, office)
    client.force_login(users["partner"])
    response, _ = post_upload(
        client,
        f"/office/referrals/{referral.pk}/documents/",
        HTML_PDF,
        filename="report.html",
        fields={"kind": "imaging"},
    )
    page = client.get(response.url).content.decode() if response.status_code == 302 else response.content.decode()
    assert "this file starts like a PDF but cannot be opened as one" in page
    assert not PatientDocument.objects.exists()


def test_documents_are_stored_and_served_as_what_they_are(client, users, office, media):
    referral = referral_for(users, office)
    client.force_login(users["partner"])
    response, _ = post_upload(
        client,
        f"/office/referrals/{referral.pk}/documents/",
        pdf_bytes(),
        filename="report.html",
        fields={"kind": "imaging"},
    )
    assert response.status_code == 302
    document = PatientDocument.objects.get()
    assert document.file.name.endswith("/report.pdf")
    download = client.get(f"/office/documents/patient/{document.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == pdf_bytes()


def test_a_document_stored_before_with_another_type_is_served_as_a_plain_download(client, users, office, media):
    contract = office["contract"]
    document = ContractDocument(contract=contract, title="Annex", content_type="text/html", size=6)
    document.file.save("annex.html", ContentFile(b"<html>"), save=False)
    document.save()
    client.force_login(users["coordinator"])
    download = client.get(f"/office/documents/contract/{document.pk}/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="document.bin"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_document_over_the_limit_is_refused_before_it_is_read_into_memory(client, users, office, media, settings):
    settings.DOCUMENT_UPLOAD_MAX_MB = 1
    client.force_login(users["coordinator"])
    response, _ = post_upload(
        client,
        "/office/contracts/",
        b"%PDF-" + b"0" * (2 * MB),
        filename="big.pdf",
        fields={"contract": office["contract"].pk, "title": "Big"},
    )
    assert response.status_code == 413  # from its declared length, before the body is read
    assert "The upload is 2.0 MiB; the limit is 1.0 MiB." in response.content.decode()
    assert not ContractDocument.objects.exists()
