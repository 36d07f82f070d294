"""The 2020 national protocol's thresholds for county risk levels, in force from 2020-01-01."""

import datetime as dt

from django.db import migrations

RULE_SET = {
    "version": "2020-national",
    "description": "2020 national protocol: 14 days, 50 cumulative cases, clusters of 2",
    "window_days": 14,
    "cumulative_threshold": 50,
    "cluster_min_cases": 2,
    "effective_from": dt.date(2020, 1, 1),
}


def create(apps, schema_editor):
    RiskRuleSet = apps.get_model("surveillance", "RiskRuleSet")
    RiskRuleSet.objects.get_or_create(version=RULE_SET["version"], defaults=RULE_SET)


def remove(apps, schema_editor):
    RiskRuleSet = apps.get_model("surveillance", "RiskRuleSet")
    CountyRiskLevel = apps.get_model("surveillance", "CountyRiskLevel")
    CountyRiskLevel.objects.filter(rule_set__version=RULE_SET["version"]).delete()
    RiskRuleSet.objects.filter(version=RULE_SET["version"]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveillance", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
