from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangyi.quarantine.tasks import alerts_raise_missed_task


class Command(BaseCommand):
    help = (
        "Observation upkeep: raise an alert for every check-in of a resident under observation that "
        "is past its deadline (morning by 12:00, afternoon by 20:00). Idempotent; run it from cron "
        "after each deadline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args: object, **options: object) -> None:
        if options["now"]:
            raised = alerts_raise_missed_task.call()
            self.stdout.write(
                ngettext(
                    "%(count)d missed check-in alert raised.",
                    "%(count)d missed check-in alerts raised.",
                    raised,
                )
                % {"count": raised}
            )
            return
        alerts_raise_missed_task.enqueue()
        self.stdout.write(_("The missed check-in alerts are queued for the worker."))
