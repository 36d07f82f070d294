import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.recovery import recovery_seed
from fangyi.demo.services import ADMIN_USERNAME, DEFAULT_SEED


class Command(BaseCommand):
    help = (
        "Write the demo's economic recovery of 2020 (enterprises, liaisons, the resumption of "
        "February–March, problem tickets, support policies; volunteers, missions, hours, the "
        "hotline) and today's records in 芙蓉区. Needs seed_demo first; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--enterprises", type=int, default=2000, help="enterprises across the province")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None or not User.objects.filter(username="employer").exists():
            raise CommandError(_("Seed the demo first (fangyi seed-demo)."))
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "recovery") as bar:
                result = recovery_seed(
                    admin=admin, seed=options["seed"], enterprises=options["enterprises"], progress=bar.update
                )
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        if result.skipped:
            self.stdout.write(_("The recovery scenario is already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Recovery ready in %(seconds).1f s: %(enterprises)s enterprises in %(parks)s parks with "
                    "%(liaisons)s liaisons, %(days)s days of resumption, %(tickets)s problem tickets, "
                    "%(policies)s policies; %(volunteers)s volunteers, %(missions)s missions, "
                    "%(hours)s hours records."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "enterprises": result.enterprises,
                    "parks": result.parks,
                    "liaisons": result.liaisons,
                    "days": result.resumption_days,
                    "tickets": result.tickets,
                    "policies": result.policies,
                    "volunteers": result.volunteers,
                    "missions": result.missions,
                    "hours": result.hours,
                }
            )
        )
