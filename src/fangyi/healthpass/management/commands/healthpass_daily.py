from django.core.management.base import BaseCommand, CommandParser

from fangyi.healthpass.tasks import colours_refresh_due_task, scans_purge_task


class Command(BaseCommand):
    help = (
        "Daily health-code upkeep: re-apply the colour rules to everyone not green (windows close and "
        "releases fall due with time) and purge scan records past their retention. Run it from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args: object, **options: object) -> None:
        if options["now"]:
            changed = colours_refresh_due_task.call()
            purged = scans_purge_task.call()
            self.stdout.write(f"{changed} colours changed, {purged} scan records purged")
            return
        colours_refresh_due_task.enqueue()
        scans_purge_task.enqueue()
        self.stdout.write("queued the colour refresh and the scan purge for the worker")
