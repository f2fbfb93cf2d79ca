"""Uploads from people who may be hostile: limits before and while a body is read, bounded unpacking of zip
archives, XML refused when it declares a document type, and documents identified by parsing them.

Order matters. An upload endpoint first decides who may send it at all and whether its declared length fits
(`upload_gate`: for pages through the `upload_view` decorator, in the API through the ninja authentication of
`upload_auth`), *then* lets Django parse the body; the first upload handler (`LimitedUploadHandler`) stops a file
part the moment more than the endpoint's limit has arrived. Everywhere else — any URL, parsed by the CSRF check
before a view runs — a file part may be no larger than an ordinary form (DATA_UPLOAD_MAX_MEMORY_SIZE), so nobody
makes the server store a large upload before it has checked who sent it. Files larger than
FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never to memory.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from pathlib import PurePath
from typing import IO, Any

from defusedxml.ElementTree import DefusedXMLParser
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image
from pypdf import PdfReader

from onconet.core import api_auth
from onconet.core.errors import InvalidInput
from onconet.core.models import User
from onconet.core.scoping import require_permission

MIB = 1024 * 1024
# The other form fields (year, dry run, the CSRF token) and the part headers that come with the file.
FORM_OVERHEAD_BYTES = 64 * 1024
READ_CHUNK_BYTES = 64 * 1024


class UploadTooLarge(InvalidInput):
    """The body or the file is over its limit (HTTP 413); nothing of it was kept."""

    status_code = 413


def megabytes(size: int) -> str:
    return f"{size / MIB:.1f}"


def too_large_message(size: int, limit: int) -> str:
    return _("The upload is %(size)s MiB; the limit is %(limit)s MiB.") % {
        "size": megabytes(size),
        "limit": megabytes(limit),
    }


def ungated_max_bytes() -> int:
    """The largest file part a request takes before an upload gate has raised the limit: that of an ordinary form."""
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or 2_621_440


def csv_max_bytes() -> int:
    """The largest CSV import (courses, exchange rates, country indicators)."""
    return int(settings.CSV_UPLOAD_MAX_MB) * MIB


def document_max_bytes() -> int:
    return int(settings.DOCUMENT_UPLOAD_MAX_MB) * MIB


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django then reads no body at all


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: a body declared over the limit is refused before a byte is read, and a file
    part stops as soon as more than the limit has arrived (the endpoint's limit behind an upload gate, else that of
    an ordinary form). Raises RequestDataTooBig (a 400 wherever Django meets
    it, a 413 in the API) — the same refusal Django gives for DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, request: HttpRequest | None = None, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = ungated_max_bytes() if max_bytes is None else max_bytes

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: Any, encoding: str | None = None
    ) -> None:
        if content_length > self.max_bytes + FORM_OVERHEAD_BYTES:
            raise RequestDataTooBig(too_large_message(content_length, self.max_bytes))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            raise RequestDataTooBig(
                _("The upload is larger than %(limit)s MiB, the limit.") % {"limit": megabytes(self.max_bytes)}
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers keep the file


def upload_gate(request: HttpRequest, *, user: Any, permission: str | None, action: str, max_bytes: int) -> None:
    """Before a byte of the body is read: may this user send it (`permission`; None: any signed-in user), and does
    its declared length fit? Then every file part of the body is cut off at `max_bytes`. Raises NotAllowed (403) or
    UploadTooLarge (413)."""
    if permission is not None:
        require_permission(user, permission, action=action)
    if hasattr(request, "_files"):  # a programming error: something parsed the body before its gate
        raise RuntimeError("the request body was read before its upload gate")
    length = declared_length(request)
    if length > max_bytes + FORM_OVERHEAD_BYTES:
        raise UploadTooLarge(too_large_message(length, max_bytes))
    handlers = request.upload_handlers
    if not isinstance(handlers, list):  # an ImmutableList: the body is being parsed already
        raise RuntimeError("the request body was read before its upload gate")
    handlers[:] = [h for h in handlers if not isinstance(h, LimitedUploadHandler)]  # this limit replaces the default
    handlers.insert(0, LimitedUploadHandler(request, max_bytes=max_bytes))


def upload_view(
    *,
    permission: str | None,
    action: str,
    max_bytes: Callable[[], int],
    refused: Callable[[HttpRequest, str], HttpResponse] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page view that takes files (multipart POSTs): signed in, then `upload_gate` (the permission to send it and
    its declared length), then the CSRF check and the view — so the body is parsed only for someone who may send it,
    up to `max_bytes` a file. The view still checks the object it writes to. A body over the limit answers 413 —
    the page `refused(request, message)` renders, else a plain refusal page; nothing of it is kept."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST" or not (request.content_type or "").startswith("multipart/"):
                return protected(request, *args, **kwargs)
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                upload_gate(request, user=user, permission=permission, action=action, max_bytes=max_bytes())
                return protected(request, *args, **kwargs)
            except (UploadTooLarge, RequestDataTooBig) as exc:  # from the declared length, or cut off while streaming
                detail = exc.detail if isinstance(exc, UploadTooLarge) else str(exc)
                if refused is not None:
                    response = refused(request, detail)
                    response.status_code = 413
                    return response
                return render(request, "upload_refused.html", {"detail": detail, "back": request.path}, status=413)

        return csrf_exempt(gated)

    return decorate


# ---------------------------------------------------------------- the API: the gate runs with authentication
#
# ninja parses File/Form parameters before the endpoint runs, and its session authentication runs the CSRF check,
# which parses a POST body. So the gate runs inside authentication: once the user is known, before either reads.
# The class names stay those of the API's own schemes, so that the OpenAPI document names the same two.


class TokenAuth(api_auth.TokenAuth):
    def __init__(self, gate: Callable[[HttpRequest, User], None]) -> None:
        super().__init__()
        self.gate = gate

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = super().authenticate(request, token)
        if user is not None:
            self.gate(request, user)
        return user


class SessionAuth(api_auth.SessionAuth):
    def __init__(self, gate: Callable[[HttpRequest, User], None]) -> None:
        super().__init__()
        self.gate = gate

    def __call__(self, request: HttpRequest) -> Any:
        user = self.authenticate(request, None)  # the session's user by the API's rules, without the CSRF check
        if not isinstance(user, User):
            return None  # not signed in: 401, and the body is never read
        self.gate(request, user)  # before the CSRF check parses the body
        return super().__call__(request)


def upload_auth(*, permission: str, action: str, max_bytes: Callable[[], int]) -> list[Any]:
    """The authentication of an upload endpoint: token or session, then `upload_gate` before the body is read."""

    def gate(request: HttpRequest, user: User) -> None:
        upload_gate(request, user=user, permission=permission, action=action, max_bytes=max_bytes())

    return [TokenAuth(gate), SessionAuth(gate)]


def upload_stream(upload: UploadedFile) -> IO[bytes]:
    """The file object behind an upload (in memory when small, else a temporary file), to be read in chunks."""
    if upload.file is None:
        raise InvalidInput(_("Choose a file."))
    stream: IO[bytes] = upload.file
    return stream


def read_upload(upload: UploadedFile, *, max_bytes: int) -> bytes:
    """The content of an uploaded file, refused by its size before it is read into memory."""
    size = upload.size or 0
    if size > max_bytes:
        raise UploadTooLarge(
            _("The file is %(size)s MiB; the limit is %(limit)s MiB.")
            % {"size": megabytes(size), "limit": megabytes(max_bytes)}
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadTooLarge(
            _("The file is over %(limit)s MiB; the limit is %(limit)s MiB.") % {"limit": megabytes(max_bytes)}
        )
    return data


# ---------------------------------------------------------------- zip archives: declared and actual sizes


class UnpackedTooLarge(Exception):
    """An archive member unpacks to more than it may."""


ZIP_END_RECORD = struct.Struct("<4s4H2LH")  # the end of central directory record, read before zipfile is
ZIP_DIRECTORY_BYTES_PER_MEMBER = 1024  # a directory entry is 46 bytes and its name: room for long names and extras


def archive_directory_problem(stream: IO[bytes], *, max_members: int) -> str | None:
    """Why the archive's directory may not even be listed, judged from its end record alone, or None. zipfile builds
    an object for every entry of the central directory (and ignores the count the end record declares), so a small
    file of a million empty entries would cost hundreds of MiB before `archive_size_problem` could count them."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    tail_size = min(size, ZIP_END_RECORD.size + 65535)  # the record, then a comment of up to 64 KiB
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + ZIP_END_RECORD.size > len(tail):
        return None  # not a zip: zipfile says so
    _sig, _disk, _cd_disk, _here, total, directory_size, directory_offset, _comment = ZIP_END_RECORD.unpack_from(
        tail, at
    )
    if total == 0xFFFF or directory_size == 0xFFFFFFFF or directory_offset == 0xFFFFFFFF:
        return _("The archive is in the ZIP64 format, which is for more files or larger ones than are read here.")
    if total > max_members or directory_size > max_members * ZIP_DIRECTORY_BYTES_PER_MEMBER:
        return _("The archive holds more than %(limit)s files; at most %(limit)s are read.") % {"limit": max_members}
    return None


def archive_size_problem(archive: zipfile.ZipFile, *, max_unpacked: int, max_members: int) -> str | None:
    """Why the archive may not be unpacked, judged by its directory before a byte is decompressed, or None."""
    members = archive.infolist()
    if len(members) > max_members:
        return _("The archive holds %(count)s files; at most %(limit)s are read.") % {
            "count": len(members),
            "limit": max_members,
        }
    declared = sum(member.file_size for member in members)
    if declared > max_unpacked:
        return _("The archive unpacks to %(size)s MiB; the limit is %(limit)s MiB.") % {
            "size": megabytes(declared),
            "limit": megabytes(max_unpacked),
        }
    return None


class BoundedReader(io.RawIOBase):
    """A stream that raises UnpackedTooLarge once more than `limit` bytes came out of it (a member whose header
    lies about its size), read in bounded chunks whatever size the caller asks for."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self.stream.read(min(len(view), READ_CHUNK_BYTES))
        self.count += len(data)
        if self.count > self.limit:
            raise UnpackedTooLarge(
                _("A file of the archive unpacks to more than %(limit)s MiB.") % {"limit": megabytes(self.limit)}
            )
        view[: len(data)] = data
        return len(data)


# ---------------------------------------------------------------- XML: no document type, bounded element counts


class _RootReached(Exception):
    pass


class XmlTooLarge(Exception):
    """An XML document holds more elements of a kind than allowed; `local_name` says which."""

    def __init__(self, local_name: str, limit: int) -> None:
        super().__init__(local_name)
        self.local_name = local_name
        self.limit = limit


class XmlCounter:
    """An ElementTree parser target that counts start tags by local name, raising XmlTooLarge past a limit. It has
    no `data` or `end`, so the parser builds nothing and memory stays flat however long the document is. With
    `prolog_only` it stops at the root element."""

    def __init__(self, limits: dict[str, int] | None = None, *, prolog_only: bool = False) -> None:
        self.limits = limits or {}
        self.counts = dict.fromkeys(self.limits, 0)
        self.prolog_only = prolog_only

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.prolog_only:
            raise _RootReached
        local = tag.rpartition("}")[2]
        if local in self.counts:
            self.counts[local] += 1
            if self.counts[local] > self.limits[local]:
                raise XmlTooLarge(local, self.limits[local])

    def close(self) -> None:
        return None


def looks_like_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff"))


def scan_xml(chunks: Iterable[bytes], target: XmlCounter) -> None:
    """Parse an XML document streamed in chunks with defusedxml, refusing any document type declaration (and so
    every entity, internal or external), into `target`. Raises defusedxml's DTDForbidden, ElementTree's ParseError
    or XmlTooLarge."""

    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
    except _RootReached:
        return


# ---------------------------------------------------------------- documents: identified by parsing them


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    extension: str
    label: str


PDF = DocumentType("application/pdf", ".pdf", "PDF")
PNG = DocumentType("image/png", ".png", "PNG")
JPEG = DocumentType("image/jpeg", ".jpg", "JPEG")
DOCUMENT_TYPES = {kind.content_type: kind for kind in (PDF, PNG, JPEG)}


def _refuse(reason: str) -> InvalidInput:
    return InvalidInput(_("Only PDF, PNG and JPEG files are accepted; %(reason)s") % {"reason": reason})


def _check_pdf(data: bytes) -> None:

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse(_("this PDF is protected by a password."))
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged or fake file; each means "not a PDF"
        raise _refuse(_("this file starts like a PDF but cannot be opened as one.")) from exc
    if pages < 1:
        raise _refuse(_("this PDF has no pages."))


def _check_image(data: bytes) -> DocumentType:

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # too many pixels: refused, not decoded
        try:
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                found = image.format
                image.verify()
        except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, DecompressionBomb…)
            raise _refuse(_("this file starts like an image but cannot be opened as one.")) from exc
    return PNG if found == "PNG" else JPEG


def identify_document(data: bytes) -> DocumentType:
    """What a document is, found by parsing it: a PDF that pypdf opens (with at least one page), or a PNG or JPEG
    that Pillow verifies. Raises InvalidInput for anything else, whatever its name or first bytes say."""
    if not data:
        raise InvalidInput(_("The file is empty."))
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return PDF
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _check_image(data)
    raise InvalidInput(_("Only PDF, PNG and JPEG files are accepted; this file's content is none of them."))


def document_file_name(filename: str, kind: DocumentType) -> str:
    """A safe stored or served name whose extension is that of the detected type (`scan.html` → `scan.pdf`)."""
    stem = PurePath(PurePath(filename.replace("\\", "/")).name).stem
    safe = "".join(c for c in stem if c.isalnum() or c in "._- ").strip(". ")[:80]
    return (safe or "document") + kind.extension


def checked_document(data: bytes, filename: str) -> tuple[str, str]:
    """(content type, safe file name with the type's extension) of a PDF, PNG or JPEG of at most
    DOCUMENT_UPLOAD_MAX_MB, identified by parsing it. Raises InvalidInput (a message for the file field)."""
    limit = document_max_bytes()
    if len(data) > limit:
        raise InvalidInput(
            _("The file is %(size)s MiB; the limit is %(limit)s MiB.")
            % {"size": megabytes(len(data)), "limit": limit // MIB}
        )
    kind = identify_document(data)
    return kind.content_type, document_file_name(filename, kind)


def served_type(content_type: str) -> DocumentType | None:
    return DOCUMENT_TYPES.get(content_type)


def document_headers(response: Any, *, content_type: str, filename: str) -> Any:
    """A stored document answers as a download of its detected type, never to be sniffed or shown inline."""
    kind = served_type(content_type)
    response["Content-Type"] = kind.content_type if kind else "application/octet-stream"
    name = document_file_name(filename, kind) if kind else "document.bin"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
