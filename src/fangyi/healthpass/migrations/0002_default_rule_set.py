import datetime as dt
from decimal import Decimal

from django.db import migrations


def create_default(apps, schema_editor):
    ColourRuleSet = apps.get_model("healthpass", "ColourRuleSet")
    ColourRuleSet.objects.get_or_create(
        version="2020-02",
        defaults={
            "description": "2020 national protocol: yellow 7 days, red 14 days, arrivals from Hubei held",
            "effective_from": dt.date(2020, 1, 1),
            "arrival_window_days": 14,
            "yellow_release_days": 7,
            "red_release_days": 14,
            "checkins_required": True,
            "negative_test_for_red": True,
            "fever_threshold": Decimal("37.3"),
            "high_risk_areas": ["湖北省", "湖北"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("healthpass", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
