from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.people.imports import MAX_IMPORT_BYTES, rows_from_file
from fangyi.people.services import people_import


class Command(BaseCommand):
    help = (
        "Import residents from a CSV (UTF-8 or GB18030) or .xlsx file as a given user. Every row is "
        "checked first; if any row is bad nothing is imported, unless --partial."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the resident list (.csv or .xlsx)")
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="USERNAME",
            help="the user the import is done as (their jurisdiction applies)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only check the file; write nothing")
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows even if some are bad"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            user = User.objects.get(username=options["as_user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(_("No active user %(name)r.") % {"name": options["as_user"]}) from None
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_IMPORT_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        try:
            rows = rows_from_file(name=path.name, content=content)
            with ProgressLine(self.stderr, "import") as bar:
                result = people_import(
                    actor=user,
                    rows=rows,
                    dry_run=options["dry_run"],
                    partial=options["partial"],
                    progress=bar.update,
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc
        for error in result["errors"]:
            self.stdout.write(
                _("line %(line)s") % {"line": error["line"]}
                + f"\t{error['field'] or '-'}\t{error['code']}\t{error['message']}"
            )
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
