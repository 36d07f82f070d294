import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.outbreak import outbreak_seed
from fangyi.demo.services import ADMIN_USERNAME, DEFAULT_SEED, DEMO_HOME


class Command(BaseCommand):
    help = (
        "Play the demo's 2020 screening and observation scenario: travel records of returnees from "
        "Hubei, a screening run, grid verification, check-ins, contact tracing, and a few residents "
        "observed today. Needs seed_demo and replay_hunan_2020 first; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            raise CommandError(_("Seed the demo first (fangyi seed-demo)."))
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "outbreak") as bar:
                result = outbreak_seed(
                    admin=admin,
                    grid_worker=User.objects.filter(username="grid").first(),
                    home=DEMO_HOME,
                    seed=options["seed"],
                    progress=bar.update,
                )
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        if result.skipped:
            self.stdout.write(_("The screening scenario is already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Screening scenario ready in %(seconds).1f s: %(records)s travel records, "
                    "%(screened)s residents screened, %(verified)s grid tasks verified and %(open)s "
                    "pending, %(contacts)s close contacts traced, %(now)s residents under observation today."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "records": result.records,
                    "screened": result.persons_screened,
                    "verified": result.tasks_verified,
                    "open": result.tasks_open,
                    "contacts": result.contacts,
                    "now": result.observed_now,
                }
            )
        )
