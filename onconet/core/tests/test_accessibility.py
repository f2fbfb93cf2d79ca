"""WCAG 2.1 AA in a real browser: every role of the demo opens its home and the pages of its navigation at 1,280 px,
in Russian (the longer words) and its home also in English, and axe-core (vendored from npm into static/vendor/)
finds no critical or serious violation on any of them. The top bar fits the window with the user menu in sight,
and no page is wider than the window.

The demo network is loaded once (about ten seconds): its pages have charts, long tables and referrals in every
state, which a handful of fixture rows would not show.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from onconet.core.models import User

pytestmark = pytest.mark.browser

AXE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
RUN_AXE = """() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
  .then(result => result.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))"""
ROLES = ("admin", "analyst", "reporter", "coordinator", "reviewer", "finance", "interpreter", "partner")
# a record page behind a list, opened through the list's first link
DEEPER = {"/office/": "#queue-table tbody a", "/passports/": "#passports-table tbody a"}
WIDTH = 1280


def _sign_in(page: Any, live_server: Any, username: str, language: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    page.context.clear_cookies()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def _violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE)  # through the DevTools protocol: the page's own CSP keeps allowing only its own scripts
    return list(page.evaluate(RUN_AXE))


def test_every_roles_pages_pass_axe_and_fit_1280_px(browser_page: Any, live_server: Any) -> None:
    call_command("demo", stdout=StringIO())
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": 900})
    found: list[str] = []
    for username in ROLES:
        for language in ("ru", "en"):
            _sign_in(page, live_server, username, language)
            page.goto(f"{live_server.url}/")
            page.wait_for_selector(f"html[lang={language}]")
            menu = page.locator("#user-menu").bounding_box()
            if menu is None or menu["x"] + menu["width"] > WIDTH or menu["y"] > 60:
                found.append(f"{username} {language}: the user menu is out of sight ({menu})")
            paths = ["/"]
            if language == "ru":
                paths += list(page.eval_on_selector_all("#mainnav .nav-link", "e => e.map(a => a.pathname)"))
            for path in dict.fromkeys(paths):
                page.goto(f"{live_server.url}{path}")
                page.wait_for_load_state("load")
                targets = [path]
                link = page.locator(DEEPER[path]).first if path in DEEPER else None
                if link is not None and link.count():
                    targets.append(link.get_attribute("href"))
                for target in targets:
                    if target != path:
                        page.goto(f"{live_server.url}{target}")
                        page.wait_for_load_state("load")
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > WIDTH:
                        found.append(f"{username} {language} {target}: the page is {wide} px wide")
                    for violation in _violations(page):
                        found.append(f"{username} {language} {target}: {json.dumps(violation, ensure_ascii=False)}")
    assert found == [], f"{len(found)} accessibility or layout failures:\n" + "\n".join(found)
