import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.services import ADMIN_USERNAME, DEFAULT_SEED
from fangyi.demo.vouchers import vouchers_seed


class Command(BaseCommand):
    help = (
        "Write the demo's consumption vouchers: merchants across the province, the union's holiday "
        "welfare from 2020-03-27 with its redemptions, ledger and settlements, and today's district "
        "programme and lottery. Needs seed_demo first; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--merchants", type=int, default=2000, help="merchants across the province")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None or not User.objects.filter(username="merchant").exists():
            raise CommandError(_("Seed the demo first (fangyi seed-demo)."))
        if options["merchants"] < 1:
            raise CommandError(_("Ask for at least one merchant."))
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "vouchers") as bar:
                result = vouchers_seed(
                    admin=admin,
                    seed=options["seed"],
                    merchants_count=options["merchants"],
                    progress=bar.update,
                )
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        if result.skipped:
            self.stdout.write(_("The vouchers are already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Vouchers ready in %(seconds).1f s: %(merchants)s merchants (%(small)s small or "
                    "micro), %(holders)s eligible residents, %(claimed)s vouchers claimed, %(redeemed)s "
                    "redeemed (%(refunded)s refunded) driving %(orders)s yuan of purchases, "
                    "%(settlements)s settlements."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "merchants": result.merchants,
                    "small": result.small_micro,
                    "holders": result.holders,
                    "claimed": result.claimed,
                    "redeemed": result.redeemed,
                    "refunded": result.refunded,
                    "orders": f"{result.order_amount_fen / 100:,.0f}",
                    "settlements": result.settlements,
                }
            )
        )
