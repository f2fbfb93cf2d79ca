"""Demo data of partnerships: the Paris study tour of the article (24 managers and chief physicians from Russia and
Kazakhstan, 6 days, 4 visits, what they learned and two follow-ups), an agreement with the Bulgarian partner, a
construction project for a new proton centre with milestones, accreditations (some expiring soon), and the country
indicators of data/country_indicators.csv (each with its source)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.utils import timezone

from onconet.core.models import Facility, User
from onconet.partnerships import services
from onconet.partnerships.models import Delegation
from onconet.tourism.models import Contract

DATA = Path(__file__).resolve().parent / "data"
RU_NAMES = [
    "Irina Sokolova",
    "Sergey Volkov",
    "Elena Morozova",
    "Andrey Kuznetsov",
    "Olga Lebedeva",
    "Dmitry Novikov",
    "Tatiana Fedorova",
    "Mikhail Orlov",
    "Natalia Pavlova",
    "Alexey Smirnov",
    "Svetlana Popova",
    "Viktor Egorov",
]
KZ_NAMES = [
    "Aidar Nurlanov",
    "Gulnara Sadykova",
    "Yerlan Abenov",
    "Aigerim Bekova",
    "Nurlan Zhaksybekov",
    "Dinara Ospanova",
    "Timur Iskakov",
    "Saule Mukhametova",
    "Baurzhan Tulegenov",
    "Zhanar Alieva",
    "Marat Kenzhebaev",
    "Asel Karimova",
]
RU_HOSPITALS = [
    "Kaluga Regional Clinical Hospital",
    "Tver Regional Oncology Dispensary",
    "Ryazan City Clinical Hospital No. 11",
    "Medsi Clinic, Moscow",
    "Tula Regional Hospital",
    "Yaroslavl Regional Cancer Hospital",
]
KZ_HOSPITALS = [
    "Almaty City Hospital No. 7",
    "Kazakh Institute of Oncology and Radiology",
    "Astana Multidisciplinary Hospital",
    "Interteach Clinic, Almaty",
    "Karaganda Regional Oncology Centre",
    "Shymkent City Hospital",
]


def build_partnerships(*, seed: int) -> int:
    """Returns the number of delegations created."""
    admin = User.objects.filter(username="admin").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if admin is None or coordinator is None:
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    services.country_indicators_import(user=admin, data=(DATA / "country_indicators.csv").read_bytes())
    tour = _paris_tour(coordinator, admin, rng, today)
    _agreements(admin, tour, today)
    _accreditations(admin, today)
    _bulgarian_visit(coordinator, admin, today)
    return Delegation.objects.count()


def _paris_tour(coordinator: User, admin: User, rng: random.Random, today: dt.date) -> Delegation:
    city = services.city_get_or_create
    org = services.organisation_get_or_create
    almaty = city(
        user=admin, name="Almaty", country="KZ", latitude="43.2220", longitude="76.8512", timezone="Asia/Almaty"
    )
    paris = city(
        user=admin, name="Paris", country="FR", latitude="48.8566", longitude="2.3522", timezone="Europe/Paris"
    )
    city(user=admin, name="Moscow", country="RU", latitude="55.7558", longitude="37.6173", timezone="Europe/Moscow")
    rma = org(user=admin, name="Russian Medical Association", kind="association", country="RU", city="Moscow")
    nma = org(
        user=admin, name="National Medical Association of the Republic of Kazakhstan", kind="association", country="KZ"
    )
    start = today - dt.timedelta(days=150)
    tour = services.delegation_create(
        user=coordinator,
        title="Study tour to Paris: French hospitals and emergency services",
        direction="outbound",
        purpose=(
            "Learn how the healthcare system of France — first in the WHO ranking of overall health-system "
            "performance — organises its public hospitals and emergency services, and find partners."
        ),
        start_date=start,
        end_date=start + dt.timedelta(days=5),
        origin=almaty,
        destination=paris,
        organisers=[rma, nma],
        budget="96000",
        budget_currency="EUR",
        notes="24 members of both associations from public and private hospitals; for most, the first visit to Paris.",
    )
    roles = ["head"] + ["chief_physician"] * 11 + ["manager"] * 10 + ["deputy"] * 2
    for i, name in enumerate(RU_NAMES + KZ_NAMES):
        russian = i < len(RU_NAMES)
        hospitals = RU_HOSPITALS if russian else KZ_HOSPITALS
        services.participant_add(
            user=coordinator,
            delegation=tour,
            full_name=name,
            role=roles[i],
            organisation=hospitals[i % len(hospitals)],
            country="RU" if russian else "KZ",
            email=f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.org",
            visa_status="issued",
        )
    visits = [
        (
            1,
            (10, 0),
            (12, 30),
            "Fédération Hospitalière de France (directorate)",
            "1 bis rue Cabanis, 75014 Paris",
            "The federation's directorate",
            "management",
            "The union of French public hospitals: governance, financing and the hospital groups.",
        ),
        (
            2,
            (9, 0),
            (13, 0),
            "Hôpital Bichat–Claude-Bernard (AP-HP)",
            "46 rue Henri Huchard, 75018 Paris",
            "Emergency department",
            "emergency",
            "A public teaching hospital founded in 1882: the emergency department and the SAMU link.",
        ),
        (
            3,
            (10, 0),
            (15, 0),
            "Hôpital Foch",
            "40 rue Worth, 92150 Suresnes",
            "Hospital management",
            "private",
            "A private not-for-profit hospital: its place in the French system, costs defrayed by the state.",
        ),
        (
            4,
            (10, 0),
            (13, 0),
            "Clinique de la Porte de Saint-Cloud",
            "30 rue de Paris, 92100 Boulogne-Billancourt",
            "Medical direction",
            "technology",
            "A private clinic: the latest treatment technology and hospital IT.",
        ),
    ]
    made = []
    for day, start_at, end_at, institution, address, host, topic, text in visits:
        made.append(
            services.visit_add(
                user=coordinator,
                delegation=tour,
                date=start + dt.timedelta(days=day),
                start_time=dt.time(*start_at),
                end_time=dt.time(*end_at),
                institution=institution,
                address=address,
                host=host,
                topic=topic,
                description=text,
            )
        )
    for category, amount in [
        ("travel", "31200"),
        ("accommodation", "38400"),
        ("meals", "9100"),
        ("interpreting", "4800"),
    ]:
        services.cost_add(user=coordinator, delegation=tour, category=category, amount=amount, currency="EUR")
    services.cost_add(user=coordinator, delegation=tour, category="visas", amount="192000", currency="RUB")
    services.delegation_transition(user=coordinator, delegation=tour, status="confirmed")
    services.delegation_transition(user=coordinator, delegation=tour, status="under_way")
    services.delegation_transition(user=coordinator, delegation=tour, status="completed")
    insights = [
        (
            made[1],
            "emergency",
            "Emergency care in Paris is organised privately and separately by general practitioners "
            "and reaches patients quickly: a model for our regional emergency services.",
        ),
        (
            made[0],
            "management",
            "Public hospitals are federated: shared purchasing and common standards across groups.",
        ),
        (
            made[2],
            "financing",
            "Private hospitals have part of their costs defrayed by the state, which lowers what patients pay.",
        ),
        (made[3], "technology", "Modern treatment technology and hospital information systems seen in daily use."),
    ]
    for visit, topic, text in insights:
        services.insight_add(user=coordinator, delegation=tour, visit=visit, topic=topic, text=text)
    foch = services.organisation_get_or_create(
        user=admin, name="Hôpital Foch", kind="hospital", country="FR", city="Suresnes"
    )
    proposal = services.proposal_add(
        user=coordinator,
        delegation=tour,
        title="Franco-Russian cooperation in hospital management",
        description="Staff exchanges and joint training with Hôpital Foch.",
        partner=foch,
    )
    services.proposal_set_status(user=coordinator, proposal=proposal, status="discussing")
    services.follow_up_add(
        user=coordinator,
        delegation=tour,
        title="Send the delegation's report and recommendations to both associations",
        owner=coordinator,
        due_date=start + dt.timedelta(days=40),
    )
    services.follow_up_add(
        user=coordinator,
        delegation=tour,
        title="Propose a staff exchange to Hôpital Foch",
        owner=admin,
        due_date=today + dt.timedelta(days=21),
        proposal=proposal,
    )
    return tour


def _agreements(admin: User, tour: Delegation, today: dt.date) -> None:

    org = services.organisation_get_or_create
    centre = Facility.objects.filter(code="MRRC-PROTON").first()
    ours = org(
        user=admin,
        name="National Medical Radiological Research Centre",
        kind="university",
        country="RU",
        city="Obninsk",
        facility=centre,
    )
    contract = Contract.objects.filter(partner__country__code="BG").order_by("pk").first()
    bulgarian = org(
        user=admin,
        name=contract.partner.name if contract else "Bulgarian Ministry of Health",
        kind="ministry",
        country="BG",
        city="Sofia",
    )
    agreement = services.agreement_create(
        user=admin,
        title="Proton therapy for Bulgarian citizens",
        kind="service",
        parties=[ours, bulgarian],
        status="in_force",
        signed_on=today - dt.timedelta(days=400),
        valid_from=today - dt.timedelta(days=380),
        valid_until=today + dt.timedelta(days=700),
        summary="Bulgarian patients are referred for proton therapy at Obninsk on the network's spare capacity.",
    )
    if contract is not None:
        services.agreement_link_contract(user=admin, agreement=agreement, contract=contract)
    first = services.milestone_add(
        user=admin,
        agreement=agreement,
        title="First patients treated",
        planned_date=today - dt.timedelta(days=300),
        responsible="International office",
    )
    services.milestone_reach(user=admin, milestone=first, actual_date=today - dt.timedelta(days=286))
    uz = org(
        user=admin,
        name="Ministry of Health of the Republic of Uzbekistan",
        kind="ministry",
        country="UZ",
        city="Tashkent",
    )
    project = services.agreement_create(
        user=admin,
        title="A new proton therapy centre in Tashkent",
        kind="construction",
        parties=[ours, uz],
        status="signed",
        signed_on=today - dt.timedelta(days=200),
        summary="Design, construction and commissioning of a proton centre with one gantry, and training its staff.",
    )
    for title, planned, actual, who in [
        ("Feasibility study", -180, -170, "Project office"),
        ("Site chosen and land allocated", -90, -75, "Ministry of Health of Uzbekistan"),
        ("Design documentation approved", -10, None, "Project office"),
        ("Construction starts", 120, None, "General contractor"),
        ("Gantry installed and commissioned", 700, None, "Equipment supplier"),
        ("First patient treated", 820, None, "Medical director"),
    ]:
        milestone = services.milestone_add(
            user=admin, agreement=project, title=title, planned_date=today + dt.timedelta(days=planned), responsible=who
        )
        if actual is not None:
            services.milestone_reach(user=admin, milestone=milestone, actual_date=today + dt.timedelta(days=actual))
    services.agreement_create(
        user=admin,
        title="Memorandum on cooperation in hospital management with Hôpital Foch",
        kind="memorandum",
        parties=[ours, org(user=admin, name="Hôpital Foch", kind="hospital", country="FR", city="Suresnes")],
        status="negotiation",
        delegation=tour,
    )


def _accreditations(admin: User, today: dt.date) -> None:
    rows = [
        ("MRRC-PROTON", "iso_9001", "Bureau Veritas Certification", -600, 495, "Quality management of radiotherapy"),
        (
            "MRRC-PROTON",
            "oeci",
            "Organisation of European Cancer Institutes",
            -300,
            45,
            "Comprehensive cancer centre accreditation",
        ),
        ("FHTC-DIM", "iso_9001", "TÜV SÜD", -200, 80, "Proton therapy services"),
        ("SPB-PROTON", "jci", "Joint Commission International", -500, 600, "Hospital accreditation"),
        ("SPB-PROTON", "iso_15189", "Russian Accreditation Service", -800, -20, "Clinical laboratory"),
    ]
    for code, standard, body, since, until, scope in rows:
        facility = Facility.objects.filter(code=code).first()
        if facility is None:
            continue
        services.accreditation_add(
            user=admin,
            facility=facility,
            standard=standard,
            issuing_body=body,
            valid_from=today + dt.timedelta(days=since),
            valid_until=today + dt.timedelta(days=until),
            scope=scope,
        )


def _bulgarian_visit(coordinator: User, admin: User, today: dt.date) -> None:
    """An inbound delegation next month: the Bulgarian partner sees the proton centre its patients go to."""
    city = services.city_get_or_create
    sofia = city(
        user=admin, name="Sofia", country="BG", latitude="42.6977", longitude="23.3219", timezone="Europe/Sofia"
    )
    obninsk = city(
        user=admin, name="Obninsk", country="RU", latitude="55.0968", longitude="36.6101", timezone="Europe/Moscow"
    )
    ministry = services.organisation_get_or_create(
        user=admin, name="Ministry of Health of the Republic of Bulgaria", kind="ministry", country="BG", city="Sofia"
    )
    start = today + dt.timedelta(days=40)
    visit = services.delegation_create(
        user=coordinator,
        title="Bulgarian Ministry of Health at the Obninsk proton centre",
        direction="inbound",
        purpose="See the proton therapy centre that treats Bulgarian patients and discuss raising the quota.",
        start_date=start,
        end_date=start + dt.timedelta(days=2),
        origin=sofia,
        destination=obninsk,
        organisers=[ministry],
        budget="450000",
        budget_currency="RUB",
    )
    for name, role, visa in [
        ("Petar Ivanov", "head", "applied"),
        ("Maria Georgieva", "official", "applied"),
        ("Nikolay Dimitrov", "chief_physician", "to_apply"),
    ]:
        services.participant_add(
            user=coordinator,
            delegation=visit,
            full_name=name,
            role=role,
            organisation=ministry.name,
            country="BG",
            visa_status=visa,
        )
    services.visit_add(
        user=coordinator,
        delegation=visit,
        date=start + dt.timedelta(days=1),
        start_time=dt.time(10, 0),
        end_time=dt.time(14, 0),
        institution="National Medical Radiological Research Centre",
        address="Koroleva 4, Obninsk",
        host="International department",
        topic="oncology",
        description="The proton gantry, the patient pathway and the support desk for foreign patients.",
    )
    services.delegation_transition(user=coordinator, delegation=visit, status="confirmed")
