"""The national load test's mix: the signed-in sessions and API tokens of the demo users it acts as, the registry
search terms, and the requests it sends (dashboard pages, registry searches, referral reads, API writes).

Django is imported inside the functions: the module is imported before bench/national_load.py sets up Django.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlencode

from bench.load import Action, Call
from bench.national_data import NAMES

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


# ---------------------------------------------------------------- users, sessions, tokens


def session_key(username: str) -> str:
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


def api_token(username: str) -> str:
    from onconet.core.models import User
    from onconet.core.services import api_token_create

    _record, raw = api_token_create(user=User.objects.get(username=username), name="national load benchmark")
    return raw


# ---------------------------------------------------------------- the mix


def search_term(rng: random.Random, ids: list[int], passports: list[str]) -> str:
    term = rng.choice(SEARCH_TERMS)
    if term == "P-ID":
        return str(rng.choice(ids))
    if term == "PASSPORT":
        return rng.choice(passports)
    return term


def actions(
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
                "GET", "/api/v1/patients?" + urlencode({"q": search_term(rng, ids, passports)}), coordinator_bearer
            ),
        ),
        Action(
            "registry search (page)",
            10,
            lambda rng: Call(
                "GET", "/office/patients/?" + urlencode({"q": search_term(rng, ids, passports)}), coordinator_cookie
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
