from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.surveillance.imports import case_rows_from_file
from fangyi.surveillance.services import cases_import, cases_import_summary


class Command(BaseCommand):
    help = (
        "Import a case line list (.csv in UTF-8 or GB18030, or .xlsx) as a given user. Every row is "
        "checked first; if any row is bad nothing is imported. Rows already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the line list (.csv or .xlsx)")
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="USERNAME",
            help="the user the import is done as (their jurisdiction applies)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only check the file; write nothing")

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
            rows = case_rows_from_file(name=path.name, content=content)
            with ProgressLine(self.stderr, _("import")) as bar:
                result = cases_import(actor=user, rows=rows, dry_run=options["dry_run"], progress=bar.update)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc
        for error in result["errors"]:
            self.stdout.write(
                _("line %(line)s") % {"line": error["line"]}
                + f"\t{error['field'] or '-'}\t{error['code']}\t{error['message']}"
            )
        summary = cases_import_summary(result)
        if result["errors"] and not result["dry_run"]:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
