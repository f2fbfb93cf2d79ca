"""Pages of planning analytics, one module per purpose (the URLs name them from here). Every table can be
downloaded as CSV or XLSX (`?format=csv|xlsx`); the ECharts options come from `onconet.analytics.charts`.

- `common`: the period filter, region names, dimension labels, the table download
- `dashboard`: the national dashboard (tile-grid map, districts, ranking)
- `regions`: a federal district's page and a region's page with its charts
- `workforce`: the workforce plan (shortfall years, trainees to start)
- `equipment`: the equipment plan and spare capacity
- `definitions`: the indicator definitions
- `benchmarks`: the benchmarks and their editing
- `reports`: starting a region or national report and downloading its files
"""

from __future__ import annotations

from onconet.analytics.views.benchmarks import benchmarks
from onconet.analytics.views.dashboard import dashboard
from onconet.analytics.views.definitions import definition, definitions
from onconet.analytics.views.equipment import equipment
from onconet.analytics.views.regions import district, region
from onconet.analytics.views.reports import report_file, report_start
from onconet.analytics.views.workforce import workforce

__all__ = [
    "benchmarks",
    "dashboard",
    "definition",
    "definitions",
    "district",
    "equipment",
    "region",
    "report_file",
    "report_start",
    "workforce",
]
