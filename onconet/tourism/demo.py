"""Demo partner organisations of the international office, with their contacts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from onconet.core.errors import DomainError
from onconet.core.models import Country, User
from onconet.tourism import services
from onconet.tourism.models import ExchangeRate, ForeignPatient, Partner, PartnerContact, PartnerKind, Referral, Service

# (country, name, kind, city, contact name, contact position, language)
DEMO_PARTNERS = [
    (
        "BG",
        "Ministry of Health of the Republic of Bulgaria",
        PartnerKind.MINISTRY,
        "Sofia",
        "Ivana Georgieva",
        "Head of international cooperation",
        "bg",
    ),
    ("BG", "Sofia Oncology Clinic", PartnerKind.CLINIC, "Sofia", "Dimitar Petrov", "Medical director", "bg"),
    (
        "RS",
        "Republic Health Insurance Fund of Serbia",
        PartnerKind.INSURER,
        "Belgrade",
        "Milica Jovanović",
        "Treatment abroad department",
        "sr",
    ),
    (
        "HR",
        "Croatian Health Insurance Fund",
        PartnerKind.INSURER,
        "Zagreb",
        "Ana Horvat",
        "Cross-border care officer",
        "hr",
    ),
    (
        "CZ",
        "Prague Cancer Care Agency",
        PartnerKind.AGENCY,
        "Prague",
        "Jan Novák",
        "Patient coordinator",
        "cs",
    ),
    (
        "UZ",
        "Ministry of Health of the Republic of Uzbekistan",
        PartnerKind.MINISTRY,
        "Tashkent",
        "Dilshod Karimov",
        "Deputy head, oncology service",
        "uz",
    ),
    (
        "KZ",
        "Kazakh Institute of Oncology and Radiology",
        PartnerKind.CLINIC,
        "Almaty",
        "Aigerim Nurlanovna",
        "International relations",
        "kk",
    ),
    (
        "FR",
        "French Hospital Federation — international office",
        PartnerKind.ASSOCIATION,
        "Paris",
        "Claire Martin",
        "International programmes",
        "fr",
    ),
]


def build_partners() -> dict[str, Partner]:
    """Create the demo partners; returns the first partner of each country by country code."""
    countries = {c.code: c for c in Country.objects.filter(code__in={row[0] for row in DEMO_PARTNERS})}
    first: dict[str, Partner] = {}
    for code, name, kind, city, contact, position, language in DEMO_PARTNERS:
        partner = Partner.objects.create(
            name=name,
            kind=kind,
            country=countries[code],
            city=city,
            email=f"international@{code.lower()}-partner.example",
        )
        PartnerContact.objects.create(
            partner=partner,
            name=contact,
            position=position,
            email=f"{contact.split()[0].lower()}@{code.lower()}-partner.example",
            language=language,
        )
        first.setdefault(code, partner)
    return first


def link_agents(*, partners: dict[str, Partner]) -> None:
    """The demo's partner agents work for the Bulgarian ministry (partner) and the Serbian fund (partner2)."""
    for username, country in (("partner", "BG"), ("partner2", "RS")):
        agent = User.objects.filter(username=username).first()
        if agent is not None:
            services.partner_agent_link(actor=None, user=agent, partner=partners[country])


# ---------------------------------------------------------------- the international office

DEMO_SERVICES = [
    ("consult", "Oncologist's consultation", "consultation", "", "12000", False),
    ("records-review", "Review of medical records by a tumour board", "records_review", "", "25000", False),
    ("pet-ct", "Whole-body PET-CT", "pet_ct", "", "60000", False),
    ("proton-25", "Proton therapy course, 25 fractions", "proton_course", "PROTON-25", "3200000", True),
    ("proton-30", "Proton therapy course, 30 fractions (CSI)", "proton_course", "PROTON-CSI-30", "3800000", True),
    ("photon-30", "Photon IMRT course, 30 fractions", "photon_course", "IMRT-30", "900000", True),
    ("stay-week", "Accommodation support, a week", "accommodation", "", "35000", False),
    ("interpreter-hour", "Interpreter, an hour", "interpreter_hour", "", "3000", False),
]
# roubles per unit, to move a little day by day (illustrative values, not market data)
DEMO_RATES = {"EUR": 100.0, "USD": 92.0, "RSD": 0.85, "KZT": 0.19, "UZS": 0.0073, "CZK": 4.0}
FIRST_NAMES = {
    "BG": ("Ivanova", "Maria", "Иванова Мария"),
    "RS": ("Jovanović", "Marko", "Јовановић Марко"),
    "KZ": ("Nurlanov", "Aidar", "Нұрланов Айдар"),
    "UZ": ("Karimova", "Dilnoza", "Каримова Дилноза"),
    "HR": ("Horvat", "Ivan", ""),
    "CZ": ("Novák", "Petr", ""),
}


def build_office(*, seed: int, partners: dict[str, Partner]) -> int:
    """Services, rates, contracts and a few dozen referrals spread over every stage; returns the referral count."""
    rng = random.Random(seed)
    today = timezone.localdate()
    services.message_templates_load()
    for code, name, kind, protocol, price, course in DEMO_SERVICES:
        Service.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "protocol": protocol,
                "base_price": Decimal(price),
                "is_course": course,
            },
        )
    for offset in range(0, 120):
        day = today - timedelta(days=offset)
        for currency, rate in DEMO_RATES.items():
            ExchangeRate.objects.get_or_create(
                date=day, currency=currency, defaults={"rate": Decimal(str(round(rate * rng.uniform(0.97, 1.03), 6)))}
            )
    admin = User.objects.get(username="admin")
    coordinator = User.objects.get(username="coordinator")
    reviewer = User.objects.get(username="reviewer")
    finance = User.objects.get(username="finance")
    contracts = {
        "BG": (
            "BG-MOH-2026-01",
            "EUR",
            "0.5",
            [
                ("proton-25", "32000", None, 4),
                ("proton-30", "37000", None, 2),
                ("pet-ct", None, "10", None),
                ("consult", None, "10", None),
                ("stay-week", "320", None, None),
                ("interpreter-hour", "28", None, None),
            ],
        ),
        "RS": (
            "RS-RFZO-2026-03",
            "EUR",
            "1",
            [("proton-25", "33000", None, 2), ("photon-30", None, "5", 3), ("consult", None, "0", None)],
        ),
        "KZ": ("KZ-KIOR-2026-07", "USD", "0.3", [("proton-25", "35000", None, 2), ("pet-ct", None, "0", None)]),
    }
    made = {}
    for country, (number, currency, share, lines) in contracts.items():
        partner = partners[country]
        made[country] = services.contract_create(
            user=admin,
            partner=partner,
            number=number,
            our_party="National Medical Radiological Research Centre",
            valid_from=today - timedelta(days=200),
            valid_until=today + timedelta(days=45 if country == "RS" else 400),
            currency=currency,
            prepayment_share=share,
            status="active",
            services=[{"service": s, "price": p, "discount_percent": d, "monthly_quota": q} for s, p, d, q in lines],
        )
    stages = [
        "inquiry",
        "records_requested",
        "under_review",
        "more_info",
        "accepted",
        "declined",
        "quote_sent",
        "quote_accepted",
        "prepaid",
        "scheduled",
        "arrived",
        "in_treatment",
        "completed",
        "follow_up",
    ]
    count = 0
    for index in range(36):
        country = ["BG", "BG", "RS", "KZ", "BG", "UZ"][index % 6] if index % 6 != 5 else "UZ"
        partner = partners.get(country) or partners["BG"]
        agent = User.objects.filter(agency__partner=partner).first() or coordinator
        family, given, native = FIRST_NAMES.get(country, FIRST_NAMES["BG"])
        patient = services.patient_register(
            user=coordinator,
            partner=partner,
            family_name=f"{family}-{index + 1}",
            given_name=given,
            name_native=native,
            date_of_birth=date(1950 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28)),
            sex="F" if given.endswith("a") else "M",
            citizenship=country,
            passport_number=f"{country}{700000 + index * 37}",
            preferred_language={"BG": "bg", "RS": "sr", "KZ": "kk", "UZ": "uz", "HR": "hr", "CZ": "cs"}[country],
            languages=["en"],
        )
        service = "proton-25" if country in made else "consult"
        referral = services.referral_submit(
            user=agent if agent.role == "partner_agent" else coordinator,
            patient=patient,
            service_code=service,
            icd10_codes=[rng.choice(["C71.9", "C50.9", "C61", "C34.1", "C18.7"])],
            stage=rng.choice(["I", "II", "III"]),
            latest_start=today + timedelta(days=rng.randint(40, 120)),
        )
        _advance(referral, stages[index % len(stages)], coordinator, reviewer, finance, agent, rng)
        # spread the history over the last months so the funnel and service levels have something to show
        shift = timedelta(days=rng.randint(1, 150))
        Referral.objects.filter(pk=referral.pk).update(
            created_at=timezone.now() - shift - timedelta(days=10),
            state_changed_at=timezone.now() - timedelta(days=rng.randint(0, 12)),
        )
        count += 1
    # One person referred twice: the Sofia clinic registers the ministry's first patient (the same passport, her given
    # name spelt another way); the office finds the match under possible duplicates.
    first = ForeignPatient.objects.filter(partner=partners["BG"]).order_by("pk").first()
    if first is not None:
        services.patient_register(
            user=coordinator,
            partner=Partner.objects.get(name="Sofia Oncology Clinic"),
            family_name=first.family_name,
            given_name="Mariya",
            name_native=first.name_native,
            date_of_birth=first.date_of_birth,
            sex=first.sex,
            citizenship="BG",
            passport_number=first.passport_number,
            preferred_language="bg",
            languages=["bg", "en"],
        )
    return count


def _advance(
    referral: Referral, target: str, coordinator: User, reviewer: User, finance: User, agent: User, rng: random.Random
) -> None:
    def go(user: User, name: str, comment: str = "", protocol: str = "") -> None:
        services.referral_transition(user=user, referral=referral, name=name, comment=comment, protocol=protocol)
        referral.refresh_from_db()

    if target == "inquiry":
        return
    if target == "records_requested":
        go(coordinator, "request_records")
        return
    go(coordinator, "start_review")
    if target == "under_review":
        return
    if target == "more_info":
        go(reviewer, "ask_more_info", comment="Please send the latest MRI with contrast and the histology report.")
        return
    if target == "declined":
        go(reviewer, "decline", comment="Metastatic disease: proton therapy offers no benefit over photons here.")
        return
    go(reviewer, "accept", protocol=referral.service.protocol or "standard")
    if target == "accepted" or referral.contract is None:
        return
    services.quote_create(user=coordinator, referral=referral, lines=[{"service": referral.service.code}])
    go(coordinator, "send_quote")
    if target == "quote_sent":
        return
    go(agent if agent.role == "partner_agent" else coordinator, "accept_quote")
    if target == "quote_accepted":
        return
    invoice = referral.invoices.get()
    share = referral.contract.prepayment_share
    services.payment_record(
        user=finance,
        invoice=invoice,
        amount=(invoice.total * share).quantize(Decimal("0.01")),
        paid_on=timezone.localdate(),
    )
    go(finance, "confirm_prepayment")
    if target == "prepaid":
        return
    # The demo's history: these referrals went through a centre's approved capacity plan before the demo begins
    # (a referral is scheduled only that way; the scheduling demo plans the ones still prepaid today).
    planner = User.objects.filter(role="national_admin").order_by("pk").first()
    if planner is None:
        return
    start = timezone.localdate() + timedelta(days=rng.randint(5, 30))
    try:
        services.referral_schedule(
            referral=referral, planner=planner, start_date=min(start, referral.latest_start or start)
        )
    except DomainError:  # the month's quota is used up: the patient waits, prepaid
        return
    referral.refresh_from_db()
    for step, user in (
        ("arrive", coordinator),
        ("start_treatment", coordinator),
        ("complete", reviewer),
        ("follow_up", coordinator),
    ):
        if referral.state == target:
            return
        go(user, step)
