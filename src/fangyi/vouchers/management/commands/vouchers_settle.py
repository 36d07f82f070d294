import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.vouchers.services import settlement_run, yuan


class Command(BaseCommand):
    help = (
        "Pay merchants for their voucher redemptions whose hold period (FANGYI_VOUCHER_HOLD_DAYS) has "
        "passed: one settlement per programme, merchant and business day. Idempotent; run it daily "
        "from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD", help="settle as on this day (default: today in Changsha)"
        )

    def handle(self, *args: object, **options: object) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(str(options["today"]))
            except ValueError:
                raise CommandError(_("Give the day as YYYY-MM-DD.")) from None
        settlements = settlement_run(actor=None, today=today)
        self.stdout.write(
            _("%(settlements)d settlements of %(redemptions)d redemptions, %(amount)s yuan.")
            % {
                "settlements": len(settlements),
                "redemptions": sum(s.redemptions for s in settlements),
                "amount": yuan(sum(s.amount_fen for s in settlements)),
            }
        )
