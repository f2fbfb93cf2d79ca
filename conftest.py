"""Test fixtures shared by every app: reference data, users by role, a real Celery worker, a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onconet.core.models import Facility, FacilityKind, Region, User
from onconet.core.roles import Role
from onconet.core.services import reference_load, user_create
from onconet.core.tests.factories import FacilityFactory
from onconet.tourism.models import Partner
from onconet.tourism.services import partner_agent_create
from onconet.tourism.tests.factories import PartnerFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct-horse-battery"


def pdf_bytes() -> bytes:
    """A real one-page PDF: uploaded documents are identified by opening them (onconet.core.uploads)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 2×2 PNG."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _required(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests whose server is absent — except in CI, which sets ONCONET_REQUIRE_* and must fail instead."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    real_broker = not settings.CELERY_BROKER_URL.startswith("filesystem://")
    has_browser = shutil.which("chromium") is not None or os.path.exists(CHROMIUM)
    for item in items:
        if "postgres" in item.keywords and not on_postgres and not _required("ONCONET_REQUIRE_SERVICES"):
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://… (CI runs it)"))
        if "broker" in item.keywords and not real_broker and not _required("ONCONET_REQUIRE_SERVICES"):
            item.add_marker(pytest.mark.skip(reason="needs CELERY_BROKER_URL=redis://… (CI runs it)"))
        if "browser" in item.keywords and not has_browser and not _required("ONCONET_REQUIRE_BROWSER"):
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))


def _sqlite_audit_triggers(statements: list[str]) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class RowLocks:
    """The SQL run inside `with row_locks:`, to check that a service locked the rows it changes. SQLite has no
    row locks (it runs one writer at a time), so there the check passes trivially; CI's PostgreSQL pass checks."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __enter__(self) -> RowLocks:
        self._capture = CaptureQueriesContext(connection)
        self._capture.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._capture.__exit__(*exc)
        self.statements = [query["sql"] for query in self._capture.captured_queries]

    def assert_locked(self, table: str) -> None:
        if not connection.features.has_select_for_update:
            return
        locks = [sql for sql in self.statements if "FOR UPDATE" in sql and f'FROM "{table}"' in sql]
        assert locks, f"no SELECT … FOR UPDATE on {table} among {len(self.statements)} statements"


@pytest.fixture
def row_locks(db: None) -> RowLocks:
    return RowLocks()


@pytest.fixture
def audit_triggers(db: None) -> None:
    """The append-only triggers of migration 0003 (transactional tests drop them on SQLite, see below)."""
    from onconet.core.migrations import _audit_triggers

    _sqlite_audit_triggers(_audit_triggers.SQLITE_UP)


@pytest.fixture(autouse=True)
def _sqlite_flush_past_audit_triggers(request: pytest.FixtureRequest) -> Iterator[None]:
    """A transactional test ends with a flush, which on SQLite is DELETE FROM every table — and the audit
    log's append-only trigger refuses that. Drop the triggers just before the flush (PostgreSQL flushes
    with TRUNCATE, which the triggers leave to the table owner)."""
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from onconet.core.migrations import _audit_triggers

    _sqlite_audit_triggers(_audit_triggers.SQLITE_DOWN)


@pytest.fixture
def reference(db: None) -> None:
    """Countries, federal districts and the 83 regions of Russia, as every installation has them."""
    if not Region.objects.exists():
        reference_load()


@pytest.fixture
def region(reference: None) -> Region:
    return Region.objects.get(code="RU-KLU")


@pytest.fixture
def other_region(reference: None) -> Region:
    return Region.objects.get(code="RU-MOW")


def make_facility(region: Region, code: str, kind: str = FacilityKind.HOSPITAL, **extra: Any) -> Facility:
    extra.setdefault("name", f"Facility {code}")
    return FacilityFactory.create(region=region, code=code, kind=kind, **extra)


def make_user(role: Role, username: str | None = None, **extra: Any) -> User:
    return user_create(username=username or role.value, role=role, password=PASSWORD, **extra)


def make_agent(username: str, partner: Any, **extra: Any) -> User:
    return partner_agent_create(username=username, partner=partner, password=PASSWORD, **extra)


@pytest.fixture
def make_partner(reference: None) -> Any:
    def make(name: str, country: str = "BG", kind: str = "ministry") -> Partner:
        return PartnerFactory.create(name=name, kind=kind, country_code=country)

    return make


@pytest.fixture
def users(reference: None, region: Region, other_region: Region, make_partner: Any) -> dict[str, User]:
    """One user per role, plus a second reporter (other region) and a second partner agent."""
    bg = make_partner("Bulgarian Ministry of Health", "BG")
    rs = make_partner("Serbian Health Insurance Fund", "RS", "insurer")
    return {
        "admin": make_user(Role.NATIONAL_ADMIN, "admin"),
        "analyst": make_user(Role.NATIONAL_ANALYST, "analyst"),
        "reporter": make_user(Role.REGIONAL_REPORTER, "reporter", region=region),
        "reporter2": make_user(Role.REGIONAL_REPORTER, "reporter2", region=other_region),
        "coordinator": make_user(Role.COORDINATOR, "coordinator"),
        "reviewer": make_user(Role.MEDICAL_REVIEWER, "reviewer"),
        "finance": make_user(Role.FINANCE_OFFICER, "finance"),
        "interpreter": make_user(Role.INTERPRETER, "interpreter", languages=["bg", "en"]),
        "partner": make_agent("partner", bg),
        "partner2": make_agent("partner2", rs),
    }


@pytest.fixture
def celery_worker_thread(transactional_db: None) -> Iterator[Any]:
    """A real Celery worker consuming from the configured broker (embedded file broker or Redis)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # start_worker turns gossip and mingle off itself; heartbeats too, which the file broker cannot carry.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING") as worker:
        yield worker
    connection.close()


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    """A page in Debian's headless chromium, driven by Playwright."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # CI machines are busy; assertions wait for slow pages

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
