import datetime as dt
from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangyi.core.events import deliver, event_from_record
from fangyi.core.models import EventRecord


class Command(BaseCommand):
    help = "Deliver recorded domain events again (after a handler failed or a new handler was added)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="ISO date or time; events at or after it")
        parser.add_argument("--name", action="append", default=[], help="only events of this name")

    def handle(self, *args: object, **options: object) -> None:
        try:
            since = dt.datetime.fromisoformat(str(options["since"]))
        except ValueError:
            raise CommandError(f"--since is not an ISO date or time: {options['since']!r}") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        records = EventRecord.objects.filter(at__gte=since).order_by("at", "id")
        names = cast(list[str], options["name"])
        if names:
            records = records.filter(name__in=names)
        replayed = skipped = 0
        for record in records.iterator():
            try:
                event = event_from_record(record)
            except (LookupError, TypeError):
                skipped += 1
                continue
            deliver(event)
            replayed += 1
        self.stdout.write(f"replayed {replayed} events, skipped {skipped} of unknown or changed types")
