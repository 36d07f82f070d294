from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangyi.supplies.tasks import reconcile_task


class Command(BaseCommand):
    help = (
        "Check every stock balance against the sum of its ledger entries and record the result. "
        "Exits with status 1 when a balance differs from its ledger; run it from cron."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = reconcile_task.call()
        if result["mismatches"]:
            raise CommandError(
                ngettext(
                    "%(count)d balance of %(checked)d differs from its ledger (see the log).",
                    "%(count)d balances of %(checked)d differ from their ledger (see the log).",
                    result["mismatches"],
                )
                % {"count": result["mismatches"], "checked": result["balances_checked"]},
                returncode=1,
            )
        self.stdout.write(
            _("%(checked)d balances match the ledger.") % {"checked": result["balances_checked"]}
        )
