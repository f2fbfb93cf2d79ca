"""Writes of the passports app, one module per purpose; every public service is importable from here.

- `workbook_import`: importing a region's workbook, all or nothing (the facility registry and every section)
- `creation`: starting a region's passport for a year, empty or copied forward from the previous year
- `editing`: web entry: rows of staff, equipment, beds and compliance; the region sheet
- `workflow`: the approval state machine: submit, approve, return, re-open
- `standards`: the standards catalogue
- `access`: who may write a region's passport, and whether its state lets it change (shared by the writes above)
- `history`: the passport's history events (shared by the writes above)
"""

from __future__ import annotations

from onconet.passports.services.creation import passport_create
from onconet.passports.services.editing import (
    SECTION_MODELS,
    passport_row_delete,
    passport_row_save,
    passport_update_region_sheet,
)
from onconet.passports.services.standards import standard_save
from onconet.passports.services.workbook_import import (
    ImportRejected,
    ImportResult,
    ProgressCallback,
    passport_import,
)
from onconet.passports.services.workflow import (
    PASSPORTS,
    passport_approve,
    passport_reopen,
    passport_return,
    passport_submit,
)

__all__ = [
    "PASSPORTS",
    "SECTION_MODELS",
    "ImportRejected",
    "ImportResult",
    "ProgressCallback",
    "passport_approve",
    "passport_create",
    "passport_import",
    "passport_reopen",
    "passport_return",
    "passport_row_delete",
    "passport_row_save",
    "passport_submit",
    "passport_update_region_sheet",
    "standard_save",
]
