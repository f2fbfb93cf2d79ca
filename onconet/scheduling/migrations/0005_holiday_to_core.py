"""National holidays are core's now (core 0008 takes the model over with its table); only the state changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0004_beams_and_wait_targets"), ("core", "0008_holiday")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Holiday")], database_operations=[]
        )
    ]
