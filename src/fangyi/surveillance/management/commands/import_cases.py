from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError

from fangyi.core.access import Actor
from fangyi.core.commands import ImportFileCommand, Progress
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.surveillance.imports import case_rows_from_file
from fangyi.surveillance.services import cases_import, cases_import_summary


class Command(ImportFileCommand):
    help = (
        "Import a case line list (.csv in UTF-8 or GB18030, or .xlsx) as a given user. Every row is "
        "checked first; if any row is bad nothing is imported. Rows already imported are skipped."
    )
    max_bytes = MAX_IMPORT_BYTES

    def read_rows(self, name: str, content: bytes) -> Sequence[Any]:
        return case_rows_from_file(name=name, content=content)

    def run(
        self, actor: Actor, rows: Sequence[Any], options: dict[str, Any], progress: Progress
    ) -> dict[str, Any]:
        return cases_import(actor=actor, rows=rows, dry_run=options["dry_run"], progress=progress)

    def finish(self, result: dict[str, Any]) -> None:
        summary = cases_import_summary(result)
        if result["errors"] and not result["dry_run"]:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
