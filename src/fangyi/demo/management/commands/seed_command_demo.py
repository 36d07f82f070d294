import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.command import command_seed
from fangyi.demo.services import ADMIN_USERNAME, DEFAULT_SEED


class Command(BaseCommand):
    help = (
        "Write the demo's supplies of 2020 (catalogue, producers, reserves and their ledger, requests "
        "and an allocation run, donations) and its command (directives down the levels, today's "
        "directives, a situation report for every replayed day). Needs seed_demo and "
        "replay_hunan_2020 first; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        changsha = User.objects.filter(username="changsha").first()
        if admin is None or changsha is None:
            raise CommandError(_("Seed the demo first (fangyi seed-demo)."))
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "command") as bar:
                result = command_seed(
                    admin=admin, changsha=changsha, seed=options["seed"], progress=bar.update
                )
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        if result.skipped:
            self.stdout.write(_("The supplies and command scenario is already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Supplies and command ready in %(seconds).1f s: %(items)s items, %(days)s production "
                    "days, %(warehouses)s warehouses, %(postings)s ledger postings, %(requests)s requests, "
                    "%(donations)s donations, %(directives)s directives to %(targets)s regions, "
                    "%(sitreps)s situation reports."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "items": result.items,
                    "days": result.production_days,
                    "warehouses": result.warehouses,
                    "postings": result.postings,
                    "requests": result.requests,
                    "donations": result.donations,
                    "directives": result.directives,
                    "targets": result.targets,
                    "sitreps": result.sitreps,
                }
            )
        )
