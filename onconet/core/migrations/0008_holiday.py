"""National holidays move from the scheduler to core (they count for every app): only Django's state moves; the
table stays `scheduling_holiday` with its rows (scheduling's 0005 drops the model from its own state)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0007_remove_hand_written_login_throttle_and_totp")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Holiday",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        ("name", models.CharField(max_length=120, verbose_name="name")),
                    ],
                    options={
                        "verbose_name": "holiday",
                        "verbose_name_plural": "holidays",
                        "db_table": "scheduling_holiday",
                        "ordering": ["date"],
                    },
                )
            ],
            database_operations=[],
        )
    ]
