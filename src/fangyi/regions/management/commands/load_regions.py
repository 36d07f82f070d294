from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangyi.core.progress import ProgressLine
from fangyi.regions.choices import Level
from fangyi.regions.services import regions_load


class Command(BaseCommand):
    help = "Load Hunan's divisions (2020 list) — province to village. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        with ProgressLine(self.stderr, "regions") as bar:
            result = regions_load(progress=bar.update)
        levels = ", ".join(f"{Level(level).label} {count}" for level, count in result.by_level.items())
        message = _("Loaded %(total)s regions (%(levels)s).") % {"total": result.total, "levels": levels}
        self.stdout.write(self.style.SUCCESS(message))
