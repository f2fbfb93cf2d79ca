"""Posting multipart uploads in tests while counting how much of the body the server reads."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart


class CountingPayload(FakePayload):
    """The request body as the server reads it, counting every byte it hands out."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def post_upload(
    client: Any,
    path: str,
    data: bytes,
    *,
    filename: str = "p.xlsx",
    field: str = "file",
    fields: dict[str, Any] | None = None,
    auth: dict[str, str] | None = None,
    declared_length: int | None = None,
) -> tuple[Any, int]:
    """POST a multipart upload; returns the response and how many bytes of the body the server read.
    `declared_length` sends a Content-Length other than the body's (a client that lies, or a huge upload)."""
    body = encode_multipart(BOUNDARY, {field: SimpleUploadedFile(filename, data), **(fields or {})})
    payload = CountingPayload(body)
    extra: dict[str, Any] = {"wsgi.input": payload, **(auth or {})}
    if declared_length is not None:
        extra["CONTENT_LENGTH"] = str(declared_length)
    response = client.generic("POST", path, body, content_type=MULTIPART_CONTENT, **extra)
    return response, payload.bytes_read
