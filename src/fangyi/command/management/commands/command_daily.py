from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangyi.command.tasks import command_daily_task


class Command(BaseCommand):
    help = (
        "Command upkeep: escalate every directive target past its deadline and not completed to the "
        "level above, then archive today's situation reports of the province and each prefecture "
        "(regenerated if already made). Idempotent; run it from cron every morning."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args: object, **options: object) -> None:
        if options["now"]:
            done = command_daily_task.call()
            self.stdout.write(
                _("%(escalated)d overdue targets escalated, %(sitreps)d situation reports archived.") % done
            )
            return
        command_daily_task.enqueue()
        self.stdout.write(_("The daily command round is queued for the worker."))
