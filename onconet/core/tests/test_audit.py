"""The audit log is append-only: the application and the database both refuse edits."""

import pytest
from django.db import DatabaseError, connection, transaction

from onconet.core.audit import audit_record
from onconet.core.models import AppendOnlyError, AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted_through_the_orm(users, audit_triggers):
    entry = audit_record(actor=users["admin"], action=AuditAction.VIEW, object_type="x", object_id="1")
    entry.message = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def test_database_trigger_refuses_raw_update_and_delete(users, audit_triggers):
    entry = audit_record(actor=users["admin"], action=AuditAction.VIEW, object_type="x", object_id="1")
    table = AuditEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET message = 'tampered' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def test_queryset_bulk_update_is_refused_by_the_database(users, audit_triggers):
    audit_record(actor=users["admin"], action=AuditAction.VIEW, object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(message="tampered")
    assert not AuditEntry.objects.filter(message="tampered").exists()


def test_the_log_names_the_client_behind_a_trusted_proxy_not_the_proxy_or_a_forged_header(users, rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert audit_record(actor=users["admin"], action=AuditAction.LOGIN, request=request).ip_address == "10.0.0.2"
    settings.AXES_IPWARE_PROXY_COUNT = 1  # what TRUSTED_PROXY_COUNT=1 sets
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    assert audit_record(actor=users["admin"], action=AuditAction.LOGIN, request=request).ip_address == "198.51.100.7"
