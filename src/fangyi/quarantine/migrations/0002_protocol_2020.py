"""The protocol edition observation followed in Hunan in 2020: 14 days from the last exposure,
close contacts counted from 2 days before onset (or sampling), twice-daily temperatures, and a
negative test before release."""

import datetime as dt
from decimal import Decimal

from django.db import migrations


def create(apps, schema_editor):
    Protocol = apps.get_model("quarantine", "Protocol")
    Protocol.objects.get_or_create(
        version="2020",
        defaults={
            "name": "新型冠状病毒肺炎防控方案（2020）",
            "effective_from": dt.date(2020, 1, 1),
            "observation_days": 14,
            "contact_window_days": 2,
            "checkins_per_day": 2,
            "negative_test_required": True,
            "fever_threshold": Decimal("37.3"),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("quarantine", "Protocol").objects.filter(version="2020").delete()


class Migration(migrations.Migration):
    dependencies = [("quarantine", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
