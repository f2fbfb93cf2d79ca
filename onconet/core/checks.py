"""OncoNet's deployment checks, run by `onconet check` (Django's check framework, deploy tag)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from onconet.core.demo import DEMO_LOGINS
from onconet.core.models import User
from onconet.core.services import broker_status


@register(deploy=True)
def check_database_and_migrations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return [Error(f"The database is not reachable: {exc}", id="onconet.E001")]
    if pending:
        return [Error(f"{len(pending)} migration(s) not applied; run `onconet migrate`.", id="onconet.E002")]
    return []


@register(deploy=True)
def check_broker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:

    status = broker_status()
    if status != "ok":
        return [
            Error(
                f"The Celery broker ({settings.CELERY_BROKER_URL.split('@')[-1]}) is not reachable: {status}",
                id="onconet.E003",
            )
        ]
    messages: list[CheckMessage] = []
    if settings.CELERY_BROKER_URL.startswith("filesystem://") and not settings.DEBUG:
        messages.append(
            Warning(
                "The embedded file broker serves one machine only; set CELERY_BROKER_URL to Redis or RabbitMQ "
                "to run workers on several machines.",
                id="onconet.W001",
            )
        )
    return messages


@register(deploy=True)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.DEBUG:
        messages.append(
            Warning(
                "SQLite is meant for one machine; set DATABASE_URL to PostgreSQL in production.",
                id="onconet.W002",
            )
        )
    if not settings.DEBUG:
        try:
            usable = [
                u.username
                for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
                if u.has_usable_password()
            ]
        except Exception:
            usable = []
        if usable:
            messages.append(
                Warning(
                    f"Demo users with passwords exist ({', '.join(usable)}); deactivate them in production.",
                    id="onconet.W003",
                )
            )
    return messages
