"""Demo partner organisations of the international office, with their contacts."""

from __future__ import annotations

from onconet.core.models import Country
from onconet.tourism.models import Partner, PartnerContact, PartnerKind

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
