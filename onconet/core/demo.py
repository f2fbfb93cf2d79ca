"""A deterministic, believable demo network: every region with its dispensary, CAOPs and hospitals,
the proton centres, federal research institutes, and one demo user per role.

The same scale and seed always give the same data. Later capabilities add their own demo steps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from onconet.core.models import Facility, FacilityKind, Region, User
from onconet.core.roles import Role
from onconet.core.services import reference_load, user_create

DEMO_PASSWORD = "onconet-demo"  # noqa: S105 — used only when DEBUG is on (DEMO_PASSWORDS_ALLOWED)

SCALES = {
    # (CAOPs per million inhabitants, general hospitals with oncology beds per million)
    "small": (1.0, 0.6),
    "national": (4.0, 2.0),
}

# Real federal centres of the network, by region (proton therapy and national research institutes).
FEDERAL_CENTRES = [
    (
        "RU-KLU",
        "MRRC-PROTON",
        "A. Tsyb Medical Radiological Research Centre — proton therapy",
        FacilityKind.PROTON_CENTRE,
        ("55.09670", "36.61010"),
        "Obninsk",
    ),
    (
        "RU-ULY",
        "FHTC-DIM",
        "Federal High-Tech Centre of Medical Radiology, Dimitrovgrad",
        FacilityKind.PROTON_CENTRE,
        ("54.21790", "49.58700"),
        "Dimitrovgrad",
    ),
    (
        "RU-SPE",
        "SPB-PROTON",
        "St Petersburg Proton Therapy Centre",
        FacilityKind.PROTON_CENTRE,
        ("59.97560", "30.31180"),
        "St Petersburg",
    ),
    (
        "RU-MOW",
        "NMRC-BLOKHIN",
        "N. N. Blokhin National Medical Research Centre of Oncology",
        FacilityKind.RESEARCH_INSTITUTE,
        ("55.66060", "37.63520"),
        "Moscow",
    ),
    (
        "RU-MOW",
        "NMRC-RADIOLOGY",
        "National Medical Research Radiological Centre (reference centre)",
        FacilityKind.REFERENCE_CENTRE,
        ("55.71930", "37.58150"),
        "Moscow",
    ),
    (
        "RU-SPE",
        "NMRC-PETROV",
        "N. N. Petrov National Medical Research Centre of Oncology",
        FacilityKind.RESEARCH_INSTITUTE,
        ("59.82460", "30.16890"),
        "St Petersburg",
    ),
    (
        "RU-TOM",
        "TNIMC-ONCO",
        "Cancer Research Institute, Tomsk National Research Medical Centre",
        FacilityKind.RESEARCH_INSTITUTE,
        ("56.47680", "84.94990"),
        "Tomsk",
    ),
    (
        "RU-ROS",
        "NMRC-ROSTOV",
        "National Medical Research Centre of Oncology, Rostov-on-Don",
        FacilityKind.RESEARCH_INSTITUTE,
        ("47.22810", "39.73130"),
        "Rostov-on-Don",
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    note: str


DEMO_LOGINS = [
    DemoLogin("admin", Role.NATIONAL_ADMIN, "national admin (also the admin site)"),
    DemoLogin("analyst", Role.NATIONAL_ANALYST, "national analyst"),
    DemoLogin("reporter", Role.REGIONAL_REPORTER, "regional reporter, Kaluga oblast (RU-KLU)"),
    DemoLogin("reporter2", Role.REGIONAL_REPORTER, "regional reporter, Moscow (RU-MOW)"),
    DemoLogin("coordinator", Role.COORDINATOR, "international office coordinator"),
    DemoLogin("reviewer", Role.MEDICAL_REVIEWER, "medical reviewer"),
    DemoLogin("finance", Role.FINANCE_OFFICER, "finance officer"),
    DemoLogin("interpreter", Role.INTERPRETER, "interpreter (Bulgarian, Serbian, English)"),
    DemoLogin("partner", Role.PARTNER_AGENT, "partner agent, Bulgarian Ministry of Health"),
    DemoLogin("partner2", Role.PARTNER_AGENT, "partner agent, Serbian health insurance fund"),
]

# Russian surnames agree with the bearer's sex, so first and last names are drawn from matching lists.
_NAMES = {
    "F": (
        ["Anna", "Elena", "Olga", "Irina", "Natalia", "Maria"],
        ["Ivanova", "Smirnova", "Volkova", "Popova", "Orlova"],
    ),
    "M": (["Sergey", "Dmitry", "Andrey", "Pavel", "Mikhail", "Igor"], ["Petrov", "Kuznetsov", "Sokolov", "Lebedev"]),
}


def _short_name(region: Region) -> str:
    return region.name_en or region.name


def build_facilities(*, scale: str, seed: int) -> int:
    """Give every region a dispensary, CAOPs and hospitals; add the federal centres. Returns the count."""
    caops_per_million, hospitals_per_million = SCALES[scale]
    rng = random.Random(seed)
    created: list[Facility] = []
    for region in Region.objects.filter(country__code="RU").order_by("code"):
        millions = (region.population or 500_000) / 1_000_000
        name = _short_name(region)
        dispensary = Facility.objects.create(
            region=region,
            code=f"{region.code[3:]}-DISP",
            name=f"{name} Clinical Oncology Dispensary",
            kind=FacilityKind.DISPENSARY,
            address=f"Regional centre, {name}",
        )
        created.append(dispensary)
        hospitals = []
        for number in range(1, max(1, round(millions * hospitals_per_million * rng.uniform(0.7, 1.3))) + 1):
            hospital = Facility.objects.create(
                region=region,
                code=f"{region.code[3:]}-H{number:02d}",
                name=f"{name} Hospital No. {number}",
                kind=FacilityKind.HOSPITAL,
                address=f"Hospital campus {number}, {name}",
            )
            hospitals.append(hospital)
            created.append(hospital)
        for number in range(1, max(1, round(millions * caops_per_million * rng.uniform(0.6, 1.2))) + 1):
            # Most CAOPs are run by the dispensary but sit inside a general hospital's building.
            inside = rng.random() < 0.6
            created.append(
                Facility.objects.create(
                    region=region,
                    code=f"{region.code[3:]}-CAOP{number:02d}",
                    name=f"Outpatient Cancer Care Centre No. {number}, {name}",
                    kind=FacilityKind.CAOP,
                    parent=dispensary,
                    located_in=rng.choice(hospitals) if inside else None,
                )
            )
    regions = {r.code: r for r in Region.objects.all()}
    for region_code, code, title, kind, (lat, lon), city in FEDERAL_CENTRES:
        created.append(
            Facility.objects.create(
                region=regions[region_code],
                code=code,
                name=title,
                kind=kind,
                address=city,
                latitude=Decimal(lat),
                longitude=Decimal(lon),
            )
        )
    return len(created)


def build_users(*, seed: int, passwords: bool) -> list[DemoLogin]:
    """One user per role; the partner agents' organisations are linked by the office's demo (`link_agents`)."""
    rng = random.Random(seed)
    regions = {r.code: r for r in Region.objects.filter(code__in=["RU-KLU", "RU-MOW"])}
    for login in DEMO_LOGINS:
        region = None
        languages: list[str] = ["ru", "en"]
        if login.username == "reporter":
            region = regions["RU-KLU"]
        elif login.username == "reporter2":
            region = regions["RU-MOW"]
        elif login.username == "partner":
            languages = ["bg", "en"]
        elif login.username == "partner2":
            languages = ["sr", "en"]
        elif login.username == "interpreter":
            languages = ["ru", "bg", "sr", "en"]
        firsts, lasts = _NAMES[rng.choice("FM")]
        user_create(
            username=login.username,
            role=login.role,
            password=DEMO_PASSWORD if passwords else None,
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            email=f"{login.username}@onconet.example",
            region=region,
            languages=languages,
            linked=login.role == Role.PARTNER_AGENT,  # the office's demo links them, in the demo's transaction
        )
    return DEMO_LOGINS


def database_is_empty() -> bool:
    return not Region.objects.exists() and not User.objects.exists()


@transaction.atomic
def build_core(*, scale: str, seed: int) -> int:
    reference_load()
    return build_facilities(scale=scale, seed=seed)
