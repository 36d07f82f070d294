import csv
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "data" / "occupations.csv"


def _rows() -> list[dict[str, str]]:
    with SOURCE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def load(apps, schema_editor):
    Occupation = apps.get_model("employment", "Occupation")
    Occupation.objects.bulk_create(
        Occupation(code=row["code"], name=row["name"], keywords=row["keywords"]) for row in _rows()
    )


def unload(apps, schema_editor):
    apps.get_model("employment", "Occupation").objects.filter(code__in=[row["code"] for row in _rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("employment", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
