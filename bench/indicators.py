"""Benchmark: every indicator for every region of one year over the national data set, against the same
aggregates written by hand in SQL; then the national dashboard under load (bench/load.py against gunicorn).

    python -m bench.indicators DIR     # DIR holds the workbooks of bench.passport_import; prints JSON

DATABASE_URL chooses the database; the passports are imported (if not yet) and approved first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.load import run_load

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
PERIOD = 2025

HAND_SQL = [
    "SELECT id, region_id, population, cancer_incidence FROM passports_passport WHERE period = %(p)s AND status = 'approved'",
    """SELECT s.passport_id, s.specialty, s.birth_year, COUNT(*) FROM passports_staffmember s
       JOIN passports_passport p ON p.id = s.passport_id WHERE p.period = %(p)s AND p.status = 'approved'
       GROUP BY s.passport_id, s.specialty, s.birth_year""",
    """SELECT e.passport_id, e.kind,
              SUM(CASE WHEN e.condition <> 'out_of_service' THEN 1 ELSE 0 END), COUNT(*),
              SUM(CASE WHEN e.year_installed >= %(p)s - 5 THEN 1 ELSE 0 END),
              SUM(CASE WHEN e.year_installed < %(p)s - 5 AND e.year_installed >= %(p)s - 10 THEN 1 ELSE 0 END),
              SUM(CASE WHEN e.year_installed < %(p)s - 10 THEN 1 ELSE 0 END),
              SUM(CASE WHEN e.used_hours_per_week IS NOT NULL THEN e.available_hours_per_week END),
              SUM(e.used_hours_per_week)
       FROM passports_equipment e JOIN passports_passport p ON p.id = e.passport_id
       WHERE p.period = %(p)s AND p.status = 'approved' GROUP BY e.passport_id, e.kind""",
    """SELECT b.passport_id, b.profile, SUM(b.beds) FROM passports_bedgroup b JOIN passports_passport p ON p.id = b.passport_id
       WHERE p.period = %(p)s AND p.status = 'approved' GROUP BY b.passport_id, b.profile""",
    """SELECT pf.passport_id, COUNT(*) FROM passports_passportfacility pf JOIN passports_passport p ON p.id = pf.passport_id
       JOIN core_facility f ON f.id = pf.facility_id WHERE p.period = %(p)s AND p.status = 'approved' AND f.kind = 'caop'
       GROUP BY pf.passport_id""",
    """SELECT c.passport_id, c.status, COUNT(*) FROM passports_compliancerecord c JOIN passports_passport p ON p.id = c.passport_id
       WHERE p.period = %(p)s AND p.status = 'approved' GROUP BY c.passport_id, c.status""",
]


def _median_seconds(run: object, times: int = 7) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(folder: Path) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from onconet.analytics.indicators import compute
    from onconet.analytics.services import analytics_reference_load
    from onconet.core.services import reference_load
    from onconet.passports.demo import standards_load
    from onconet.passports.models import Passport, StaffMember

    reference_load()
    standards_load()
    analytics_reference_load()
    if not Passport.objects.filter(period=PERIOD).exists():
        from onconet.passports.services import passport_import
        from onconet.passports.workbook import read_path

        for path in sorted(folder.glob("*.xlsx")):
            passport_import(book=read_path(path), period=PERIOD, user=None)
    Passport.objects.filter(period=PERIOD).update(status="approved")
    compute(period=PERIOD)  # warm up
    engine = _median_seconds(lambda: compute(period=PERIOD))

    def hand() -> None:
        with connection.cursor() as cursor:
            for sql in HAND_SQL:
                cursor.execute(sql, {"p": PERIOD})
                cursor.fetchall()

    raw = _median_seconds(hand)
    result: dict[str, object] = {
        "database": connection.vendor,
        "staff_rows": StaffMember.objects.count(),
        "all_indicators_seconds": round(engine, 3),
        "hand_sql_seconds": round(raw, 3),
        "ratio": round(engine / raw, 2),
    }
    result["dashboard"] = _dashboard_load()
    return result


def _dashboard_load() -> list[dict[str, float]]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from onconet.core.models import User
    from onconet.core.roles import Role
    from onconet.core.services import user_create

    analyst = User.objects.filter(username="bench-analyst").first() or user_create(
        username="bench-analyst", role=Role.NATIONAL_ANALYST, password="bench-password-1"
    )
    session = SessionStore()
    session[SESSION_KEY] = str(analyst.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = analyst.get_session_auth_hash()
    session.create()
    port = _free_port()
    env = {
        **os.environ,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the session was signed with this process's key
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
    }
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "onconet.cli", "collectstatic", "--noinput", "-v0"], env=env, cwd=root, check=True
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            "2",
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=root,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/analytics/?period={PERIOD}"
        headers = {"Cookie": f"sessionid={session.session_key}"}
        run_load(url, connections=1, seconds=3, headers=headers)  # warm the cache of every worker
        return [run_load(url, connections=c, seconds=15, headers=headers).as_dict() for c in (1, 10)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))))
