"""The Content-Security-Policy: present on pages, absent only on the interactive API docs, and no page of the
application breaks it (no inline script or style) — checked in a real browser, which reports every violation."""

from __future__ import annotations

import pytest

from conftest import PASSWORD


def test_pages_carry_the_policy(client, users):
    client.force_login(users["admin"])
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" in client.get("/accounts/login/")
    assert "Content-Security-Policy" not in client.get("/api/v1/docs")


@pytest.mark.browser
def test_no_page_violates_the_policy(browser_page, live_server, users):
    from playwright.sync_api import expect

    page = browser_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#dashboard-title")).to_be_visible()
    for path, selector in [
        ("/", "[data-chart] canvas"),
        ("/regions/", "#regions-table"),
        ("/analytics/", "#tile-map canvas"),
        ("/office/dashboard/", "#funnel-chart"),
        ("/scheduling/", "#scheduling-title"),
        ("/scheduling/simulation/", "#simulation-form"),
        ("/partnerships/", "#partnerships-title"),
        ("/partnerships/delegations/", "#delegation-form"),
        ("/audit/", "#audit-table"),
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        expect(page.locator(selector).first).to_be_attached()
    assert violations == []
