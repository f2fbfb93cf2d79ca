"""The network census: a job that counts the network's facilities against population, by federal district.

It is the first job kind and the one the demo uses to show background work; its result is a table
(population per CAOP, facilities per kind) that the national centre reads.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from onconet.core.jobs import Progress, register_job_kind
from onconet.core.models import Facility, FacilityKind, Job, Region


@register_job_kind("network_census", label=_("Network census"), permission="core.run_network_census")
def network_census(job: Job, progress: Progress) -> dict[str, Any]:
    regions = list(Region.objects.select_related("federal_district").order_by("code"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for region_id, kind, n in (
        Facility.objects.filter(is_active=True).values_list("region_id", "kind").annotate(n=Count("id"))
    ):
        counts[region_id][kind] = n
    districts: dict[str, dict[str, Any]] = {}
    for index, region in enumerate(regions, start=1):
        district = region.federal_district
        name = district.name_en if district else "—"
        row = districts.setdefault(
            name,
            {
                "federal_district": name,
                "federal_district_ru": district.name_ru if district else "—",
                "regions": 0,
                "population": 0,
                "facilities": defaultdict(int),
            },
        )
        row["regions"] += 1
        row["population"] += region.population or 0
        for kind, n in counts[region.pk].items():
            row["facilities"][kind] += n
        progress(100 * index / max(len(regions), 1), f"{region.code}")
    rows = []
    for name in sorted(districts):
        row = districts[name]
        caops = row["facilities"].get(FacilityKind.CAOP, 0)
        rows.append(
            {
                "federal_district": name,
                "federal_district_ru": row["federal_district_ru"],
                "regions": row["regions"],
                "population": row["population"],
                "facilities": {kind: row["facilities"].get(kind, 0) for kind in FacilityKind.values},
                "population_per_caop": round(row["population"] / caops) if caops else None,
            }
        )
    return {
        "rows": rows,
        "totals": {
            "regions": len(regions),
            "population": sum(r["population"] for r in rows),
            "facilities": sum(sum(r["facilities"].values()) for r in rows),
        },
    }
