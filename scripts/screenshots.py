"""Take the README's screenshots from a running OncoNet with demo data.

    ONCONET_VAR_DIR=/tmp/shots TWO_FACTOR_ROLES=medical_reviewer .venv/bin/onconet serve --addrport 127.0.0.1:8765 &
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8765
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8765 --only security-sign-in.png security-sign-in-ru.png

Uses Debian's chromium through Playwright; writes PNG files into docs/screenshots/ (with --only, just the files
named; the three passport shots come together). TWO_FACTOR_ROLES=medical_reviewer makes the demo's reviewer, whom
no other shot signs in as, set up an authenticator at sign-in, for the two-factor shots; without it they are
skipped. The sign-in security shots first lock the interpreter out with wrong passwords, and lift the lock
afterwards. The replay shots first start a replay (greedy, so it is quick) from the replay page's form and wait
until the embedded worker of `onconet serve` has finished it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# (file name, login, language, path, wait for selector)
SHOTS = [
    ("home-analyst-en.png", "analyst", "en", "/", "[data-chart] canvas"),
    ("home-analyst-ru.png", "analyst", "ru", "/", "[data-chart] canvas"),
    ("regions.png", "analyst", "en", "/regions/?sort=-population", "#regions-table"),
    ("region-facilities.png", "reporter", "en", "/regions/RU-KLU/", "#region-facilities"),
    ("audit-log.png", "admin", "en", "/audit/", "#audit-table"),
    ("security-sign-in.png", "admin", "en", "/security/sign-in/", "#lockouts tbody form"),
    ("security-sign-in-ru.png", "admin", "ru", "/security/sign-in/", "#lockouts tbody form"),
    ("analytics-dashboard.png", "analyst", "en", "/analytics/?ind=staff_share_60:radiologist", "#tile-map canvas"),
    ("analytics-dashboard-ru.png", "analyst", "ru", "/analytics/?ind=equipment_per_million:ct", "#tile-map canvas"),
    ("analytics-workforce.png", "analyst", "en", "/analytics/workforce/?specialty=radiologist", "#workforce-table"),
    ("analytics-region.png", "analyst", "en", "/analytics/regions/RU-MOS/?specialty=radiologist", "#pyramid canvas"),
    ("analytics-equipment.png", "analyst", "en", "/analytics/equipment/", "#spare-chart canvas"),
    ("office-queue.png", "coordinator", "en", "/office/", "#queue-table"),
    ("office-dashboard.png", "finance", "en", "/office/dashboard/", "#funnel-chart canvas"),
    ("office-registry.png", "coordinator", "en", "/office/patients/", "#patients-table"),
    ("office-possible-duplicates.png", "coordinator", "en", "/office/possible-duplicates/", "#duplicates-table"),
    ("office-possible-duplicates-ru.png", "coordinator", "ru", "/office/possible-duplicates/", "#duplicates-table"),
    ("partner-portal-referrals.png", "partner", "en", "/office/", "#queue-table"),
    ("partner-portal.png", "partner", "ru", "/", "#dashboard-title"),
    ("scheduling-overview.png", "reporter", "en", "/scheduling/", "#utilisation-heatmap canvas"),
    ("scheduling-overview-ru.png", "reporter", "ru", "/scheduling/", "#overview-by-urgency"),
    ("scheduling-calendar.png", "reporter", "en", "/scheduling/calendar/", "#calendar-week"),
    ("scheduling-beams.png", "admin", "en", "/scheduling/", "#beams-table"),
    ("scheduling-beams-ru.png", "admin", "ru", "/scheduling/", "#beams-table"),
    ("scheduling-offer.png", "coordinator", "en", "/scheduling/offer/", "#offer-chart canvas"),
    ("scheduling-offer-ru.png", "coordinator", "ru", "/scheduling/offer/", "#offer-chart canvas"),
    ("partnerships-overview.png", "coordinator", "en", "/partnerships/", "#delegations-chart canvas"),
    ("partnerships-tour.png", "coordinator", "en", "/partnerships/delegations/1/", "#programme"),
    ("partnerships-outcomes.png", "coordinator", "en", "/partnerships/delegations/1/?tab=outcomes", "#outcomes"),
    ("partnerships-agreement.png", "admin", "en", "/partnerships/agreements/2/", "#milestones-table"),
    ("partnerships-accreditations-ru.png", "admin", "ru", "/partnerships/accreditations/", "#accreditations-table"),
    ("partnerships-certified.png", "partner", "en", "/partnerships/certified/", "#certified-list"),
]
# shots of SHOTS whose selector is below the fold: scrolled until the card holding it ends at the window's foot
SCROLLED = {"scheduling-overview-ru.png", "scheduling-beams.png", "scheduling-beams-ru.png"}
# (file name, login, language, list page, link to open, wait for selector): a record whose id the demo decides
OPENED = [
    (
        "scheduling-simulation.png",
        "coordinator",
        "en",
        "/scheduling/simulation/",
        "#simulations-table tbody a",
        "#p95-chart canvas",
    ),
    (
        "scheduling-simulation-ru.png",
        "coordinator",
        "ru",
        "/scheduling/simulation/",
        "#simulations-table tbody a",
        "#simulation-by-urgency",
    ),
    ("scheduling-plan.png", "reporter", "en", "/scheduling/plans/", "#plans-table tbody a", "#diff-table"),
    ("scheduling-plan-ru.png", "reporter", "ru", "/scheduling/plans/", "#plans-table tbody a", "#plan-by-urgency"),
    (
        "office-patient.png",
        "admin",
        "en",
        "/office/patients/",
        "#patients-table tbody td:first-child a",
        "#personal-data",
    ),
]
# (file name, language): the finished replay that replay_shots starts first, as REPLAY_LOGIN, with REPLAY_FORM
REPLAY_SHOTS = [("scheduling-replay.png", "en"), ("scheduling-replay-ru.png", "ru")]
REPLAY_LOGIN = "coordinator"
REPLAY_FORM = {"facility": "MRRC-PROTON", "weeks": "8", "solver": "greedy"}  # greedy: done in seconds
PASSPORT_SHOTS = ("passport-overview.png", "passport-staff.png", "passport-import-problems.png")
# (file name, language): the set-up page of a role in TWO_FACTOR_ROLES whose user has no authenticator yet
TWO_FACTOR_SHOTS = [("two-factor-setup.png", "en"), ("two-factor-setup-ru.png", "ru")]
TWO_FACTOR_LOGIN = "reviewer"
LOCKED_LOGIN = "interpreter"  # locked out for the sign-in security shots


def login(page: Page, base: str, username: str, language: str = "en", landing: str = "#dashboard-title") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "onconet-demo")
    page.click("button[type=submit]")
    page.wait_for_selector(landing)
    page.wait_for_load_state("load")
    if language != "en":
        page.select_option("#language-select", language)
        page.wait_for_selector(f"html[lang={language}]")


def lock_sign_in(browser: Browser, base: str, username: str) -> None:
    """Wrong passwords until the sign-in answers 429: the username is locked from this address."""
    context = browser.new_context()
    page = context.new_page()
    for _attempt in range(50):
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "not-the-password")
        with page.expect_response(lambda response: response.request.method == "POST") as answer:
            page.click("button[type=submit]")
        if answer.value.status == 429:
            break
    else:
        raise RuntimeError(f"{username} was not locked after 50 wrong passwords")
    context.close()


def unlock_sign_in(browser: Browser, base: str, username: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    login(page, base, "admin")
    page.goto(f"{base}/security/sign-in/")
    page.click(f"#lockouts button[value={username}]")
    page.wait_for_load_state("load")
    context.close()


def two_factor_shots(browser: Browser, base: str, wanted: set[str] | None) -> None:
    """The authenticator set-up that a role in TWO_FACTOR_ROLES meets at its first sign-in."""
    for name, language in TWO_FACTOR_SHOTS:
        if wanted is not None and name not in wanted:
            continue
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        login(page, base, TWO_FACTOR_LOGIN, landing="#two-factor-title, #dashboard-title")
        if not page.query_selector("#two-factor-secret"):
            print("skipped", name, "(start the server with TWO_FACTOR_ROLES=medical_reviewer)")
            context.close()
            continue
        if language != "en":
            page.select_option("#language-select", language)
            page.wait_for_selector(f"html[lang={language}] #two-factor-secret")
        page.screenshot(path=str(OUT / name))
        print("wrote", OUT / name)
        context.close()


def start_replay(browser: Browser, base: str) -> str:
    """Start a replay from the replay page's form and wait until it has finished; its page's path."""
    context = browser.new_context()
    page = context.new_page()
    login(page, base, REPLAY_LOGIN)
    page.goto(f"{base}/scheduling/replay/")
    facility = page.locator("#replay-facility option", has_text=REPLAY_FORM["facility"]).get_attribute("value")
    page.select_option("#replay-facility", facility)
    page.select_option("#replay-weeks", REPLAY_FORM["weeks"])
    page.select_option("#replay-solver", REPLAY_FORM["solver"])
    page.click("#start-replay")
    page.wait_for_url("**/scheduling/replay/*/")
    path = page.url.removeprefix(base)
    # the progress card polls every 2 s and reloads the page when the job ends; the chart comes with the result
    page.wait_for_selector("#replay-chart, #replay-error", timeout=15 * 60_000)
    if page.query_selector("#replay-error"):
        raise RuntimeError(f"the replay at {path} failed: {page.inner_text('#replay-error')}")
    context.close()
    return path


def replay_shots(browser: Browser, base: str, wanted: set[str] | None) -> None:
    """A finished replay of a facility's last weeks: waits per urgency with and without its foreign courses."""
    shots = [(name, language) for name, language in REPLAY_SHOTS if wanted is None or name in wanted]
    if not shots:
        return
    path = start_replay(browser, base)
    for name, language in shots:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        login(page, base, REPLAY_LOGIN, language)
        page.goto(f"{base}{path}")
        page.wait_for_selector("#replay-chart canvas")
        page.wait_for_timeout(600)
        # the whole page, but only the window's 1280 px: the Russian navigation bar runs wider than the window
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(OUT / name), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height})
        print("wrote", OUT / name)
        context.close()


def passport_shots(browser: Browser, base: str) -> None:
    """The passport overview with its check results, a section, and an import with problems."""
    sys.path.insert(0, str(OUT.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()  # the workbook factory uses the passport models' choices
    from onconet.passports.tests.factories import changed, valid_rows, xlsx_bytes

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, "admin")
    page.goto(f"{base}/passports/?status=submitted")
    page.click("#passports-table tbody a")
    page.wait_for_load_state("load")
    page.click("#check-button")
    page.wait_for_selector("#check-summary")
    page.screenshot(path=str(OUT / "passport-overview.png"), full_page=True)
    page.click("#tab-equipment")
    page.wait_for_selector("#section-table")
    page.screenshot(path=str(OUT / "passport-staff.png"))
    rows = changed(changed(valid_rows(period=2026), "beds", 0, beds=-4), "staff", 0, birth_year=2030, hired_year=None)
    rows = changed(rows, "equipment", 0, used_hours_per_week=75)
    rows = changed(rows, "staff", 1, specialty="astrologer")
    bad = OUT / "bad-workbook.xlsx"
    bad.write_bytes(xlsx_bytes(rows))
    page.goto(f"{base}/passports/import/")
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_period", "2026")
    page.click("#import-submit")
    page.wait_for_selector("#problems-table", timeout=60_000)
    page.screenshot(path=str(OUT / "passport-import-problems.png"), full_page=True)
    bad.unlink()
    context.close()


def main(base: str, wanted: set[str] | None = None) -> None:
    """Take every shot, or only the files named in `wanted`."""
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        shots = [shot for shot in SHOTS if wanted is None or shot[0] in wanted]
        locked = any(path == "/security/sign-in/" for _name, _username, _language, path, _selector in shots)
        if locked:
            lock_sign_in(browser, base, LOCKED_LOGIN)
        for name, username, language, path, selector in shots:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            login(page, base, username, language)
            page.goto(f"{base}{path}")
            page.wait_for_selector(selector)
            if name in SCROLLED:
                page.locator(selector).evaluate("element => element.closest('.card').scrollIntoView({block: 'end'})")
            page.wait_for_timeout(600)  # let charts finish their entry animation
            page.screenshot(path=str(OUT / name))
            print("wrote", OUT / name)
            context.close()
        if locked:
            unlock_sign_in(browser, base, LOCKED_LOGIN)
        for name, username, language, path, link, selector in OPENED:
            if wanted is not None and name not in wanted:
                continue
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            login(page, base, username, language)
            page.goto(f"{base}{path}")
            page.click(link)
            page.wait_for_selector(selector)
            page.wait_for_timeout(600)
            page.screenshot(path=str(OUT / name), full_page=True)
            print("wrote", OUT / name)
            context.close()
        replay_shots(browser, base, wanted)
        two_factor_shots(browser, base, wanted)
        if wanted is None or wanted & set(PASSPORT_SHOTS):
            passport_shots(browser, base)
            print("wrote the passport screenshots")
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8000", help="the running OncoNet")
    parser.add_argument("--only", nargs="+", metavar="FILE", help="take only these shots (file names)")
    arguments = parser.parse_args()
    known = {shot[0] for shot in SHOTS} | {shot[0] for shot in OPENED} | set(PASSPORT_SHOTS)
    known |= {name for name, _language in TWO_FACTOR_SHOTS} | {name for name, _language in REPLAY_SHOTS}
    unknown = set(arguments.only or ()) - known
    if unknown:
        parser.error(f"no such shot: {', '.join(sorted(unknown))}")
    main(arguments.base, set(arguments.only) if arguments.only else None)
