from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0009_user_partner_to_tourism")]

    operations = [
        migrations.AddField(
            model_name="region",
            name="name_en",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in English"),
        ),
        migrations.AddField(
            model_name="region",
            name="name_ru",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in Russian"),
        ),
    ]
