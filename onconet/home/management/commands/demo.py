"""`onconet demo [--scale small|national] [--seed N]`: load a deterministic demo network into an empty database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from onconet.analytics.services import analytics_reference_load
from onconet.core import demo
from onconet.partnerships.demo import build_partnerships
from onconet.passports.demo import build_passports
from onconet.scheduling.demo import build_scheduling
from onconet.tourism.demo import build_office, build_partners, link_agents


class Command(BaseCommand):
    help = "Load the demo network (regions, facilities, partners, one user per role) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        if not demo.database_is_empty():
            raise CommandError("The database already holds data; demo data is only loaded into an empty database.")
        passwords = settings.DEMO_PASSWORDS_ALLOWED
        with transaction.atomic():
            facilities = demo.build_core(scale=scale, seed=seed)
            partners = build_partners()
            logins = demo.build_users(seed=seed, passwords=passwords)
            link_agents(partners=dict(partners))
            analytics_reference_load()
            passports = build_passports(scale=scale, seed=seed)
            referrals = build_office(seed=seed, partners=dict(partners))
            courses = build_scheduling(seed=seed)
            delegations = build_partnerships(seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network loaded (scale {scale}, seed {seed}): {facilities} facilities, "
                f"{len(partners)} partner countries, {len(logins)} users, {passports} passports, "
                f"{referrals} foreign referrals, {courses} courses to schedule, {delegations} delegations."
            )
        )
        if passwords:
            self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
            for login in logins:
                self.stdout.write(f"  {login.username:<12} {login.note}")
        else:
            self.stdout.write(
                "DEBUG is off, so the demo users have no password; set one with `onconet changepassword USER`."
            )
