"""The command-line face of a file import: read the file as a user, run it with a progress line,
print every bad row by line. Each app's import command says how to read rows and run them."""

import abc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.access import Actor
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine

Progress = Callable[[int, int, str], None]


class ImportFileCommand(BaseCommand, abc.ABC):
    """Subclasses set `help` and `max_bytes` and implement `read_rows`, `run` and `finish`."""

    max_bytes: int

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import (.csv or .xlsx)")
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="USERNAME",
            help="the user the import is done as (their jurisdiction applies)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only check the file; write nothing")

    @abc.abstractmethod
    def read_rows(self, name: str, content: bytes) -> Sequence[Any]:
        """The file's rows (a DomainError when the file as a whole cannot be read)."""

    @abc.abstractmethod
    def run(
        self, actor: Actor, rows: Sequence[Any], options: dict[str, Any], progress: Progress
    ) -> dict[str, Any]:
        """Import the rows; the result holds at least `errors` (each with line, field, code, message)."""

    @abc.abstractmethod
    def finish(self, result: dict[str, Any]) -> None:
        """Print the summary; raise CommandError when the import as a whole was refused."""

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(name)r.") % {"name": options["as_user"]})
        try:
            with path.open("rb") as handle:
                content = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        try:
            rows = self.read_rows(path.name, content)
            with ProgressLine(self.stderr, _("import")) as bar:
                result = self.run(user, rows, options, bar.update)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc
        for error in result["errors"]:
            self.stdout.write(
                _("line %(line)s") % {"line": error["line"]}
                + f"\t{error['field'] or '-'}\t{error['code']}\t{error['message']}"
            )
        self.finish(result)
