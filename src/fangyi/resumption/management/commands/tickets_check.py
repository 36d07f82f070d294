from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangyi.resumption.tickets import tickets_check_daily, tickets_evaluate_all


class Command(BaseCommand):
    help = (
        "Problem tickets' daily round: re-evaluate the SLA of the running tickets whose state can "
        "have changed (due soon, past due) and escalate each overdue one a level, at most once a day. "
        "--full first recomputes every ticket from its event log. Idempotent; run it from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="recompute every ticket's SLA state from its event log first"
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["full"]:
            evaluated = tickets_evaluate_all()
            self.stdout.write(_("%(count)d tickets evaluated from their event logs.") % {"count": evaluated})
        done = tickets_check_daily()
        self.stdout.write(
            _(
                "%(checked)d tickets checked, %(changed)d changed: %(at_risk)d due soon, "
                "%(overdue)d overdue, %(escalated)d escalated."
            )
            % done
        )
