"""Take the README's screenshots from a running OncoNet with demo data.

    ONCONET_VAR_DIR=/tmp/shots .venv/bin/onconet serve --addrport 127.0.0.1:8765 &
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8765

Uses Debian's chromium through Playwright; writes PNG files into docs/screenshots/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# (file name, login, language, path, wait for selector)
SHOTS = [
    ("home-analyst-en.png", "analyst", "en", "/", "[data-chart] canvas"),
    ("home-analyst-ru.png", "analyst", "ru", "/", "[data-chart] canvas"),
    ("regions.png", "analyst", "en", "/regions/?sort=-population", "#regions-table"),
    ("region-facilities.png", "reporter", "en", "/regions/RU-KLU/", "#region-facilities"),
    ("audit-log.png", "admin", "en", "/audit/", "#audit-table"),
    ("partner-portal.png", "partner", "ru", "/", "#dashboard-title"),
]


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, username, language, path, selector in SHOTS:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "onconet-demo")
            page.click("button[type=submit]")
            page.wait_for_selector("#dashboard-title")
            if language != "en":
                page.select_option("#language-select", language)
                page.wait_for_selector(f"html[lang={language}]")
            page.goto(f"{base}{path}")
            page.wait_for_selector(selector)
            page.wait_for_timeout(600)  # let charts finish their entry animation
            page.screenshot(path=str(OUT / name))
            print("wrote", OUT / name)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
