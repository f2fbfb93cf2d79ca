"""Benchmark: the national demo on PostgreSQL behind the production server (gunicorn, DEBUG=0) under a mixed load
of dashboard pages, registry searches, referral reads and API writes at 10 and 50 concurrent users; then the
registry search over 100,000 foreign patients against the raw SQL it runs.

    python -m bench.national_load      # about 4 minutes; prints one JSON line at the end
    python -m bench national_load      # the same through `make bench`'s runner: writes bench/results/, prints tables

It creates a fresh database `onconet_bench_national` on the server of BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432/postgres), migrates, loads `onconet demo --scale national`, adds foreign patients
up to 100,000 (names of the partner countries in Latin and native scripts), runs VACUUM ANALYZE, starts gunicorn and
drives it with bench/load.py's `run_mix`. The database and the temporary files are removed at the end.

The server is the production one: `gunicorn -c deploy/gunicorn.conf.py` with DEBUG=0, collected static files and
persistent database connections (DATABASE_CONN_MAX_AGE=60); every GUNICORN_* variable of the environment reaches it
(e.g. GUNICORN_MAX_REQUESTS=0). BENCH_GUNICORN_WORKERS / BENCH_GUNICORN_THREADS (default 4 × 4) become its
WEB_CONCURRENCY / GUNICORN_THREADS; BENCH_LOAD_SECONDS (default 60) sets each measured run.
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.load import Action, Call, percentiles, run_mix

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "onconet_bench_national"
PATIENTS = 100_000
SEED = 2026
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WARMUP_SECONDS = 5.0
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "4"))
SEARCH_ROUNDS = 10  # the single-user search and its SQL: every term this many times

# ---------------------------------------------------------------- names of the partner countries

# country: (language, [(family Latin, family native) for men], the women's forms, men's given names (Latin,
# native), women's given names (Latin, native)). Where the native script is Latin, it keeps the diacritics.
NAMES: dict[
    str, tuple[str, list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]
] = {
    "BG": (
        "bg",
        [
            ("Ivanov", "Иванов"),
            ("Georgiev", "Георгиев"),
            ("Dimitrov", "Димитров"),
            ("Petrov", "Петров"),
            ("Nikolov", "Николов"),
            ("Hristov", "Христов"),
            ("Stoyanov", "Стоянов"),
            ("Todorov", "Тодоров"),
            ("Iliev", "Илиев"),
            ("Vasilev", "Василев"),
            ("Atanasov", "Атанасов"),
            ("Angelov", "Ангелов"),
        ],
        [
            ("Ivanova", "Иванова"),
            ("Georgieva", "Георгиева"),
            ("Dimitrova", "Димитрова"),
            ("Petrova", "Петрова"),
            ("Nikolova", "Николова"),
            ("Hristova", "Христова"),
            ("Stoyanova", "Стоянова"),
            ("Todorova", "Тодорова"),
            ("Ilieva", "Илиева"),
            ("Vasileva", "Василева"),
            ("Atanasova", "Атанасова"),
            ("Angelova", "Ангелова"),
        ],
        [
            ("Georgi", "Георги"),
            ("Ivan", "Иван"),
            ("Dimitar", "Димитър"),
            ("Nikolay", "Николай"),
            ("Petar", "Петър"),
            ("Hristo", "Христо"),
            ("Stoyan", "Стоян"),
            ("Todor", "Тодор"),
        ],
        [
            ("Maria", "Мария"),
            ("Ivanka", "Иванка"),
            ("Elena", "Елена"),
            ("Yordanka", "Йорданка"),
            ("Petya", "Петя"),
            ("Desislava", "Десислава"),
            ("Gergana", "Гергана"),
            ("Radka", "Радка"),
        ],
    ),
    "RS": (
        "sr",
        [
            ("Jovanović", "Јовановић"),
            ("Petrović", "Петровић"),
            ("Nikolić", "Николић"),
            ("Marković", "Марковић"),
            ("Đorđević", "Ђорђевић"),
            ("Stojanović", "Стојановић"),
            ("Ilić", "Илић"),
            ("Stanković", "Станковић"),
            ("Pavlović", "Павловић"),
            ("Milošević", "Милошевић"),
        ],
        [],
        [
            ("Nikola", "Никола"),
            ("Marko", "Марко"),
            ("Stefan", "Стефан"),
            ("Miloš", "Милош"),
            ("Dragan", "Драган"),
            ("Zoran", "Зоран"),
            ("Nenad", "Ненад"),
        ],
        [
            ("Milica", "Милица"),
            ("Jelena", "Јелена"),
            ("Ana", "Ана"),
            ("Marija", "Марија"),
            ("Dragana", "Драгана"),
            ("Snežana", "Снежана"),
            ("Ivana", "Ивана"),
        ],
    ),
    "HR": (
        "hr",
        [
            ("Horvat", "Horvat"),
            ("Kovačević", "Kovačević"),
            ("Babić", "Babić"),
            ("Marić", "Marić"),
            ("Jurić", "Jurić"),
            ("Novak", "Novak"),
            ("Knežević", "Knežević"),
            ("Vuković", "Vuković"),
            ("Božić", "Božić"),
            ("Pavić", "Pavić"),
        ],
        [],
        [
            ("Ivan", "Ivan"),
            ("Luka", "Luka"),
            ("Josip", "Josip"),
            ("Marko", "Marko"),
            ("Tomislav", "Tomislav"),
            ("Ante", "Ante"),
        ],
        [
            ("Ana", "Ana"),
            ("Marija", "Marija"),
            ("Ivana", "Ivana"),
            ("Kata", "Kata"),
            ("Mirjana", "Mirjana"),
            ("Lucija", "Lucija"),
        ],
    ),
    "CZ": (
        "cs",
        [
            ("Novak", "Novák"),
            ("Svoboda", "Svoboda"),
            ("Novotny", "Novotný"),
            ("Dvorak", "Dvořák"),
            ("Cerny", "Černý"),
            ("Prochazka", "Procházka"),
            ("Kucera", "Kučera"),
            ("Vesely", "Veselý"),
        ],
        [
            ("Novakova", "Nováková"),
            ("Svobodova", "Svobodová"),
            ("Novotna", "Novotná"),
            ("Dvorakova", "Dvořáková"),
            ("Cerna", "Černá"),
            ("Prochazkova", "Procházková"),
            ("Kucerova", "Kučerová"),
            ("Vesela", "Veselá"),
        ],
        [
            ("Jiri", "Jiří"),
            ("Jan", "Jan"),
            ("Petr", "Petr"),
            ("Josef", "Josef"),
            ("Pavel", "Pavel"),
            ("Tomas", "Tomáš"),
        ],
        [
            ("Jana", "Jana"),
            ("Eva", "Eva"),
            ("Hana", "Hana"),
            ("Anna", "Anna"),
            ("Lenka", "Lenka"),
            ("Katerina", "Kateřina"),
        ],
    ),
    "UZ": (
        "uz",
        [
            ("Karimov", "Каримов"),
            ("Rakhimov", "Рахимов"),
            ("Yusupov", "Юсупов"),
            ("Tashkentov", "Ташкентов"),
            ("Aliyev", "Алиев"),
            ("Umarov", "Умаров"),
            ("Nazarov", "Назаров"),
            ("Sobirov", "Собиров"),
        ],
        [
            ("Karimova", "Каримова"),
            ("Rakhimova", "Рахимова"),
            ("Yusupova", "Юсупова"),
            ("Tashkentova", "Ташкентова"),
            ("Aliyeva", "Алиева"),
            ("Umarova", "Умарова"),
            ("Nazarova", "Назарова"),
            ("Sobirova", "Собирова"),
        ],
        [
            ("Dilshod", "Дилшод"),
            ("Rustam", "Рустам"),
            ("Sherzod", "Шерзод"),
            ("Bekzod", "Бекзод"),
            ("Jasur", "Жасур"),
            ("Otabek", "Отабек"),
        ],
        [
            ("Dilnoza", "Дилноза"),
            ("Gulnora", "Гулнора"),
            ("Nilufar", "Нилуфар"),
            ("Malika", "Малика"),
            ("Zarina", "Зарина"),
            ("Shahnoza", "Шахноза"),
        ],
    ),
    "KZ": (
        "kk",
        [
            ("Nurlanov", "Нұрланов"),
            ("Akhmetov", "Ахметов"),
            ("Omarov", "Омаров"),
            ("Suleimenov", "Сүлейменов"),
            ("Zhaksylykov", "Жақсылықов"),
            ("Bekov", "Беков"),
            ("Ismailov", "Исмаилов"),
            ("Kassymov", "Қасымов"),
        ],
        [
            ("Nurlanova", "Нұрланова"),
            ("Akhmetova", "Ахметова"),
            ("Omarova", "Омарова"),
            ("Suleimenova", "Сүлейменова"),
            ("Zhaksylykova", "Жақсылықова"),
            ("Bekova", "Бекова"),
            ("Ismailova", "Исмаилова"),
            ("Kassymova", "Қасымова"),
        ],
        [
            ("Aidar", "Айдар"),
            ("Nurlan", "Нұрлан"),
            ("Yerlan", "Ерлан"),
            ("Daulet", "Дәулет"),
            ("Arman", "Арман"),
            ("Askar", "Асқар"),
        ],
        [
            ("Aigerim", "Әйгерім"),
            ("Aliya", "Әлия"),
            ("Gulnara", "Гүлнара"),
            ("Dana", "Дана"),
            ("Saule", "Сәуле"),
            ("Zhanar", "Жанар"),
        ],
    ),
    "FR": (
        "fr",
        [
            ("Martin", "Martin"),
            ("Bernard", "Bernard"),
            ("Dubois", "Dubois"),
            ("Thomas", "Thomas"),
            ("Robert", "Robert"),
            ("Richard", "Richard"),
            ("Petit", "Petit"),
            ("Durand", "Durand"),
            ("Lefebvre", "Lefebvre"),
            ("Moreau", "Moreau"),
        ],
        [],
        [
            ("Jean", "Jean"),
            ("Pierre", "Pierre"),
            ("Michel", "Michel"),
            ("Francois", "François"),
            ("Jerome", "Jérôme"),
            ("Nicolas", "Nicolas"),
        ],
        [
            ("Marie", "Marie"),
            ("Nathalie", "Nathalie"),
            ("Isabelle", "Isabelle"),
            ("Helene", "Hélène"),
            ("Celine", "Céline"),
            ("Sophie", "Sophie"),
        ],
    ),
}

# What the registry is searched for: surnames (in both scripts), parts of names, given + family, registry ids,
# passport numbers, and words that match nothing. Fixed, so every run searches the same.
SEARCH_TERMS = [
    "Ivanova",
    "Petrov",
    "Jovanović",
    "Horvat",
    "Novak",
    "Karimova",
    "Nurlanov",
    "Dubois",
    "Иванова",
    "Петровић",
    "Каримов",
    "Dvořák",
    "Nováková",
    "ović",
    "Stoya",
    "Gulnar",
    "Maria Ivanova",
    "Marko Petrović",
    "Jan Novak",
    "Aidar Akhmetov",
    "P-ID",
    "PASSPORT",
    "Smithson",
    "Zzyzx",
]


# ---------------------------------------------------------------- the database


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def _database_url() -> str:
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{DATABASE}"


def _patients(total: int) -> int:
    """Foreign patients up to `total`, spread over the demo partners, in batches of 5,000."""
    from onconet.core.models import Country
    from onconet.tourism.models import ForeignPatient, Partner

    rng = random.Random(SEED)
    existing = ForeignPatient.objects.count()
    partners: dict[str, list[Partner]] = {}
    for partner in Partner.objects.select_related("country"):
        partners.setdefault(partner.country.code, []).append(partner)
    countries = {c.code: c for c in Country.objects.filter(code__in=list(NAMES))}
    codes = [code for code in NAMES if code in partners]
    batch: list[ForeignPatient] = []
    for n in range(total - existing):
        code = codes[n % len(codes)]
        language, men, women, men_given, women_given = NAMES[code]
        sex = rng.choice("FM")
        families = (women or men) if sex == "F" else men
        family, family_native = rng.choice(families)
        given, given_native = rng.choice(women_given if sex == "F" else men_given)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(61 * 365))  # 1940–2000; the writes are younger
        batch.append(
            ForeignPatient(
                partner=rng.choice(partners[code]),
                family_name=family,
                given_name=given,
                name_native=f"{family_native} {given_native}",
                date_of_birth=born,
                sex=sex,
                citizenship=countries[code],
                passport_number=f"{code}{n:07d}",
                languages=[language, "en"] if rng.random() < 0.4 else [language],
                preferred_language=language,
                email=f"patient{n}@example.{code.lower()}",
            )
        )
        if len(batch) == 5_000:
            ForeignPatient.objects.bulk_create(batch)
            batch = []
    ForeignPatient.objects.bulk_create(batch)
    return ForeignPatient.objects.count()


# ---------------------------------------------------------------- users, sessions, tokens


def _session(username: str) -> str:
    """A signed-in session (second factor confirmed, as after a real sign-in) for a demo user; the cookie value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onconet.core.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    assert session.session_key is not None
    return session.session_key


def _token(username: str) -> str:
    from onconet.core.models import User
    from onconet.core.services import api_token_create

    _record, raw = api_token_create(user=User.objects.get(username=username), name="national load benchmark")
    return raw


# ---------------------------------------------------------------- the mix


def _search_term(rng: random.Random, ids: list[int], passports: list[str]) -> str:
    term = rng.choice(SEARCH_TERMS)
    if term == "P-ID":
        return str(rng.choice(ids))
    if term == "PASSPORT":
        return rng.choice(passports)
    return term


def _actions(
    *,
    analyst: str,
    coordinator: str,
    coordinator_token: str,
    partner_token: str,
    referrals: list[int],
    ids: list[int],
    passports: list[str],
) -> list[Action]:
    """The mix: dashboard pages 30 %, registry searches 30 %, referral reads 30 %, API writes 10 %."""
    analyst_cookie = {"Cookie": f"sessionid={analyst}"}
    coordinator_cookie = {"Cookie": f"sessionid={coordinator}"}
    coordinator_bearer = {"Authorization": f"Bearer {coordinator_token}"}
    written = itertools.count()
    lock = threading.Lock()

    def write(rng: random.Random) -> Call:
        # a partner refers a new patient: each write has its own passport and a name + date of birth that no other
        # patient has (the registry refuses duplicates), so every write should succeed
        with lock:
            k = next(written)
        _language, _men, women, _men_given, women_given = NAMES["BG"]
        family, family_native = women[k % len(women)]
        given, given_native = women_given[(k // 3_000) % len(women_given)]
        payload = {
            "patient": {
                "family_name": family,
                "given_name": given,
                "name_native": f"{family_native} {given_native}",
                "date_of_birth": (date(2001, 1, 1) + timedelta(days=k % 3_000)).isoformat(),
                "sex": "F",
                "citizenship": "BG",
                "passport_number": f"BGW{k:07d}",
                "preferred_language": "bg",
                "languages": ["bg", "en"],
            },
            "service": rng.choice(["proton-25", "consult", "pet-ct"]),
            "icd10_codes": [rng.choice(["C71.9", "C50.9", "C61", "C34.1"])],
            "clinical_summary": "Referred for a second opinion.",
        }
        return Call(
            "POST",
            "/api/v1/referrals",
            {"Authorization": f"Bearer {partner_token}", "Content-Type": "application/json"},
            json.dumps(payload).encode(),
        )

    def get(path: str, headers: dict[str, str]) -> Callable[[random.Random], Call]:
        return lambda rng: Call("GET", path, headers)

    return [
        Action("home (analyst)", 10, get("/", analyst_cookie)),
        Action("analytics dashboard", 10, get("/analytics/", analyst_cookie)),
        Action("office dashboard", 10, get("/office/dashboard/", coordinator_cookie)),
        Action(
            "registry search (API)",
            20,
            lambda rng: Call(
                "GET", "/api/v1/patients?" + urlencode({"q": _search_term(rng, ids, passports)}), coordinator_bearer
            ),
        ),
        Action(
            "registry search (page)",
            10,
            lambda rng: Call(
                "GET", "/office/patients/?" + urlencode({"q": _search_term(rng, ids, passports)}), coordinator_cookie
            ),
        ),
        Action(
            "referral page",
            15,
            lambda rng: Call("GET", f"/office/referrals/{rng.choice(referrals)}/", coordinator_cookie),
        ),
        Action(
            "referral (API)",
            15,
            lambda rng: Call("GET", f"/api/v1/referrals/{rng.choice(referrals)}", coordinator_bearer),
        ),
        Action("refer a patient (API write)", 10, write),
    ]


# ---------------------------------------------------------------- the registry search against its SQL


def _search_sql(token: str, terms: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The statements the API search runs for each term, captured in-process through the same view: those of the
    search itself (count and page), and every SELECT of the request (with the token and permission look-ups)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    search, every = {}, {}
    for term in terms:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/patients", {"q": term}, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content[:300]
        sqls = [q["sql"] for q in captured.captured_queries]
        search[term] = [sql for sql in sqls if "tourism_foreignpatient" in sql]
        every[term] = [sql for sql in sqls if sql.startswith("SELECT")]
    return search, every


def _time_sql(url: str, statements: dict[str, list[str]], terms: list[str]) -> list[float]:
    import psycopg

    samples = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _round in range(SEARCH_ROUNDS):
            for term in terms:
                started = time.perf_counter()
                for sql in statements[term]:
                    conn.execute(sql.encode()).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
    return samples


def _time_http(port: int, token: str, terms: list[str]) -> list[float]:
    samples = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _round in range(SEARCH_ROUNDS):
        for term in terms:
            started = time.perf_counter()
            conn.request(
                "GET", "/api/v1/patients?" + urlencode({"q": term}), headers={"Authorization": f"Bearer {token}"}
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"search {term!r} answered {response.status}")
            samples.append((time.perf_counter() - started) * 1000)
    conn.close()
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    cuts = percentiles(samples)
    return {
        "requests": len(samples),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """The production web server: collectstatic, then gunicorn with deploy/gunicorn.conf.py."""
    subprocess.run(
        [sys.executable, "-m", "onconet.cli", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            env=server_env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="onconet-national-load-"))
    url = _database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        # persistent connections, as in production: a new PostgreSQL connection per request costs a few ms
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),  # the same key signs the sessions and serves them
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "ONCONET_VAR_DIR": str(work / "var"),
        # every simulated user comes from 127.0.0.1: the API's per-address limit would measure itself, not the system
        "API_RATE_LIMIT_PER_ADDRESS": "",
        "API_RATE_LIMIT_PER_CREDENTIAL": "",
    }
    _admin(f"DROP DATABASE IF EXISTS {DATABASE}")
    _admin(f"CREATE DATABASE {DATABASE}")
    try:
        # this process also answers the in-process request that captures the search's SQL (Django's test host)
        os.environ.update({**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"})
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from onconet.tourism.models import ForeignPatient, Referral

        timings: dict[str, float] = {}
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        timings["migrate_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        call_command("demo", scale="national", seed=SEED, stdout=io.StringIO())
        timings["demo_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        patients = _patients(PATIENTS)
        timings["patients_seconds"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            # what autovacuum does to a registry in service: statistics, and the trigram indexes' pending entries
            # of the bulk insert merged (a GIN index answers slowly while they wait in its pending list)
            cursor.execute("VACUUM ANALYZE")
        referrals = list(Referral.objects.order_by("pk").values_list("pk", flat=True))
        rng = random.Random(SEED)
        sample = list(ForeignPatient.objects.order_by("?").values_list("pk", "passport_number")[:500])
        ids = [pk for pk, _ in sample]
        passports = [number for _, number in sample]
        analyst, coordinator = _session("analyst"), _session("coordinator")
        coordinator_token, partner_token = _token("coordinator"), _token("partner")
        terms = [_search_term(rng, ids, passports) for _ in range(40)]
        statements, every_statement = _search_sql(coordinator_token, terms)
        connection.close()

        port = _free_port()
        log = work / "gunicorn.log"
        server = _serve(env, port, log)
        try:
            actions = _actions(
                analyst=analyst,
                coordinator=coordinator,
                coordinator_token=coordinator_token,
                partner_token=partner_token,
                referrals=referrals,
                ids=ids,
                passports=passports,
            )
            base = f"http://127.0.0.1:{port}"
            # every worker fills its caches (the indicator snapshot) before anything is measured
            run_mix(base, actions, users=WORKERS * THREADS, seconds=5, seed=0)
            http_samples = _time_http(port, coordinator_token, terms)
            sql_samples = _time_sql(url, statements, terms)
            every_sql_samples = _time_sql(url, every_statement, terms)
            mixes = []
            for users in (10, 50):
                load_before = os.getloadavg()[0]  # the machine may be shared: other work skews every number
                mix = run_mix(base, actions, users=users, seconds=LOAD_SECONDS, seed=users, warmup=WARMUP_SECONDS)
                mixes.append({**mix.as_dict(), "load_average_before": round(load_before, 2)})
                print(json.dumps(mixes[-1]["overall"]), file=sys.stderr)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        # OncoNet logs a JSON line per request at warning level and above: any line here is worth reading
        server_errors = [line[:500] for line in log.read_text().splitlines() if "error" in line.lower()]
        http_search, sql_search, every_sql = _summary(http_samples), _summary(sql_samples), _summary(every_sql_samples)
        by_kind = mixes[0]["by_kind"]
        assert isinstance(by_kind, dict)
        return {
            "database": "postgresql",
            "cpus": os.cpu_count(),
            "server": f"gunicorn -c deploy/gunicorn.conf.py, WEB_CONCURRENCY={WORKERS}, GUNICORN_THREADS={THREADS}, "
            f"DEBUG=0, DATABASE_CONN_MAX_AGE={env['DATABASE_CONN_MAX_AGE']}",
            "patients": patients,
            "referrals_before": len(referrals),
            "referrals_after": Referral.objects.count(),
            **timings,
            "mix": mixes,
            "search": {
                "terms": len(terms),
                "http_single_user": http_search,
                "http_under_10_users": {k: by_kind["registry search (API)"][k] for k in ("p50_ms", "p95_ms", "p99_ms")},
                "sql": sql_search,
                "statements": statements[terms[0]],
                "ratio_p95": round(http_search["p95_ms"] / sql_search["p95_ms"], 2),
                "ratio_p50": round(http_search["p50_ms"] / sql_search["p50_ms"], 2),
                # every SELECT of the request: the token, the user's permissions (two), the count and the page
                "sql_every_statement": every_sql,
                "statements_per_request": len(every_statement[terms[0]]),
            },
            "server_log_errors": server_errors[:10],
        }
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


def markdown(result: dict[str, Any]) -> str:
    """The README's tables: the mix per request kind at each number of users, then the registry search."""
    lines = [
        "| users | request | requests/s | p50, ms | p95, ms | p99, ms | errors | sent again |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mix in result["mix"]:
        for kind, r in [("**all**", mix["overall"]), *mix["by_kind"].items()]:
            lines.append(
                f"| {mix['users']} | {kind} | {r['requests_per_second']:,} | {r['p50_ms']:,} | {r['p95_ms']:,} "
                f"| {r['p99_ms']:,} | {r['errors']} of {r['requests']:,} | {r['retries']} |"
            )
    search = result["search"]

    def row(label: str, r: dict[str, float]) -> str:
        return f"| {label} | {r['p50_ms']:,} | {r['p95_ms']:,} | {r['p99_ms']:,} |"

    lines += [
        "",
        f"| registry search, {result['patients']:,} patients | p50, ms | p95, ms | p99, ms |",
        "|---|---|---|---|",
        row("HTTP `GET /api/v1/patients?q=…`, one user", search["http_single_user"]),
        row("the same within the 10-user mix", search["http_under_10_users"]),
        row("its SQL (count + page) sent directly with psycopg", search["sql"]),
        f"| ratio HTTP / SQL, one user | {search['ratio_p50']} | {search['ratio_p95']} | |",
        row(
            f"every SELECT of the request ({search['statements_per_request']}: token, permissions, count, page)",
            search["sql_every_statement"],
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run()))
