"""The official 2020 and 2021 work calendar: public holidays and the weekend days worked in their
place, from the State Council's notices named in data/work_calendar_2020_2021.csv (the 2020 Spring
Festival holiday as extended to 2 February)."""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "data" / "work_calendar_2020_2021.csv"


def _rows() -> list[tuple[dt.date, bool, str]]:
    with SOURCE.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [
        (dt.date.fromisoformat(row["date"]), row["working"] == "1", row["name"])
        for row in csv.DictReader(lines)
    ]


def load(apps, schema_editor):
    WorkCalendarDay = apps.get_model("resumption", "WorkCalendarDay")
    for date, working, name in _rows():
        WorkCalendarDay.objects.update_or_create(date=date, defaults={"working": working, "name": name})


def unload(apps, schema_editor):
    WorkCalendarDay = apps.get_model("resumption", "WorkCalendarDay")
    WorkCalendarDay.objects.filter(date__in=[date for date, _working, _name in _rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("resumption", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
