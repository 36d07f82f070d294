from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.surveillance.replay import DEFAULT_SEED, replay_hunan_2020


class Command(BaseCommand):
    help = (
        "Replay Hunan's 2020 epidemic: a synthetic line list (one synthetic resident and one case per "
        "confirmed case) that reproduces the Johns Hopkins CSSE series on the bulletin dates, the "
        "response levels, and the daily reports rebuilt from it. Running it again replaces its cases."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every figure of the series (default 1.0)"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic details")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0:
            raise CommandError(_("The scale must be a positive number."))
        try:
            with ProgressLine(self.stderr, _("replay")) as bar:
                result = replay_hunan_2020(scale=options["scale"], seed=options["seed"], progress=bar.update)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Replayed %(cases)s cases from %(first)s to %(last)s (%(replaced)s earlier replay cases "
                    "replaced; %(created)s residents created, %(reused)s reused); %(rows)s daily report "
                    "rows; %(levels)s response levels recorded; %(seconds).1f s."
                )
                % {
                    "cases": result.cases,
                    "first": result.first_day,
                    "last": result.last_day,
                    "replaced": result.cases_replaced,
                    "created": result.residents_created,
                    "reused": result.residents_reused,
                    "rows": result.report_rows,
                    "levels": result.response_levels,
                    "seconds": result.seconds,
                }
            )
        )
