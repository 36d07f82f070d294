import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.services import DEFAULT_RESIDENTS, DEFAULT_SEED, demo_seed
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.regions.services import regions_load


class Command(BaseCommand):
    help = (
        "Seed synthetic demo data: residents spread by the 2020 census, grids, places and one login "
        "per role. The same seed gives the same residents; safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS, help="how many residents")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["residents"] < 0:
            raise CommandError(_("--residents cannot be negative."))
        if not Region.objects.filter(level=Level.VILLAGE).exists():
            self.stderr.write(_("The administrative divisions are not loaded yet; loading them first."))
            with ProgressLine(self.stderr, "regions") as bar:
                regions_load(progress=bar.update)
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "demo") as bar:
                result = demo_seed(residents=options["residents"], seed=options["seed"], progress=bar.update)
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo ready in %(seconds).1f s: %(residents)s residents added (%(existing)s already "
                    "there), %(grids)s grids, %(places)s places added, %(users)s logins added."
                )
                % {
                    "seconds": seconds,
                    "residents": result.residents_created,
                    "existing": result.residents_existing,
                    "grids": result.grids,
                    "places": result.places_created,
                    "users": result.users_created,
                }
            )
        )
        self.stdout.write("")
        self.stdout.write(_("Demo logins (every one uses the same password):"))
        header = (_("username"), _("role"), _("region"), _("password"))
        rows = [header, *result.logins]
        widths = [max(_width(str(row[i])) for row in rows) for i in range(len(header))]
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(str(cell), widths[i]) for i, cell in enumerate(row)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
