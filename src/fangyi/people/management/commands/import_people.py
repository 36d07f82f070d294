from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.access import Actor
from fangyi.core.commands import ImportFileCommand, Progress
from fangyi.people.imports import MAX_IMPORT_BYTES, rows_from_file
from fangyi.people.services import people_import


class Command(ImportFileCommand):
    help = (
        "Import residents from a CSV (UTF-8 or GB18030) or .xlsx file as a given user. Every row is "
        "checked first; if any row is bad nothing is imported, unless --partial."
    )
    max_bytes = MAX_IMPORT_BYTES

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows even if some are bad"
        )

    def read_rows(self, name: str, content: bytes) -> Sequence[Any]:
        return rows_from_file(name=name, content=content)

    def run(
        self, actor: Actor, rows: Sequence[Any], options: dict[str, Any], progress: Progress
    ) -> dict[str, Any]:
        return people_import(
            actor=actor, rows=rows, dry_run=options["dry_run"], partial=options["partial"], progress=progress
        )

    def finish(self, result: dict[str, Any]) -> None:
        summary = _("%(total)s rows: %(valid)s valid, %(invalid)s with errors, %(imported)s imported.") % {
            key: result[key] for key in ("total", "valid", "invalid", "imported")
        }
        if result["dry_run"]:
            self.stdout.write(summary + " " + _("Dry run: nothing was written."))
        elif result["errors"] and not result["partial"]:
            self.stdout.write(summary)
            raise CommandError(_("Nothing was imported: fix the rows above, or use --partial."))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
