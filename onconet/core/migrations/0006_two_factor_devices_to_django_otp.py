"""Move every authenticator of core's own TwoFactorDevice into django-otp's TOTPDevice (and back, reversed).

The secret becomes TOTPDevice's hex key; the last time step used (`last_step`) is TOTPDevice's `last_t`, so a code
used before the move is still refused after it; an unconfirmed device stays unconfirmed. The old table is dropped by
the next migration, a schema change of its own.

Going back is lossy by necessity: the old model held one authenticator per user, so only the confirmed one (else
the oldest) is kept, and recovery codes (django-otp's StaticDevice, which the old code never had) stay in their
table, unused. Unconfirmed set-up keys of other sessions are dropped.
"""

import base64
import binascii

from django.db import migrations
from django.utils import timezone

DEVICE_NAME = "authenticator"


def _hex_key(secret: str) -> str:
    secret = "".join(secret.split()).upper()
    return binascii.hexlify(base64.b32decode(secret + "=" * (-len(secret) % 8))).decode()


def forward(apps, schema_editor):
    old = apps.get_model("core", "TwoFactorDevice")
    totp = apps.get_model("otp_totp", "TOTPDevice")
    for device in old.objects.all().iterator():
        totp.objects.create(
            user_id=device.user_id,
            name=DEVICE_NAME,
            confirmed=device.confirmed_at is not None,
            key=_hex_key(device.secret),
            step=30,
            t0=0,
            digits=6,
            tolerance=1,
            last_t=device.last_step if device.last_step > 0 else -1,
            created_at=device.created_at,
        )


def backward(apps, schema_editor):
    old = apps.get_model("core", "TwoFactorDevice")
    totp = apps.get_model("otp_totp", "TOTPDevice")
    for device in totp.objects.order_by("-confirmed", "id").iterator():
        if old.objects.filter(user_id=device.user_id).exists():
            continue  # the old model held one authenticator per user: the confirmed one wins
        old.objects.create(
            user_id=device.user_id,
            secret=base64.b32encode(binascii.unhexlify(device.key)).decode().rstrip("="),
            confirmed_at=(device.created_at or timezone.now()) if device.confirmed else None,
            last_step=max(device.last_t, 0),
            **({"created_at": device.created_at} if device.created_at else {}),
        )
    totp.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_job_worker_heartbeat"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forward, backward)]
