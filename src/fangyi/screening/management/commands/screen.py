"""fangyi screen run --region 43 --as-of 2020-01-31 [--lookback 14] [--backend duckdb|pyspark]
fangyi screen import FILE

Both run here and now, with a progress line, as the system (no user): the run and the import are
recorded like those started from the pages, with no one as their author.
"""

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.screening import engine
from fangyi.screening.imports import MAX_IMPORT_BYTES
from fangyi.screening.services import (
    screening_run_create,
    screening_run_execute,
    travel_import_job,
    travel_import_run,
)


class Command(BaseCommand):
    help = "Run a big-data screening, or import travel records (CSV or Parquet), as the system."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        run = commands.add_parser("run", help="screen the residents of a region now")
        run.add_argument(
            "--region", required=True, help="province, prefecture or county code (43, 4301, 430102)"
        )
        run.add_argument("--as-of", type=dt.date.fromisoformat, help="the last day screened (default: today)")
        run.add_argument(
            "--lookback", type=int, help="days looked back (default FANGYI_SCREENING_LOOKBACK_DAYS)"
        )
        run.add_argument(
            "--backend", choices=engine.BACKENDS, help="engine (default FANGYI_SCREENING_BACKEND)"
        )
        load = commands.add_parser("import", help="import travel records from a CSV or Parquet file")
        load.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "run":
                self._run(options)
            else:
                self._import(Path(options["file"]))
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc

    def _run(self, options: dict[str, Any]) -> None:
        run = screening_run_create(
            actor=None,
            region=options["region"],
            as_of=options["as_of"],
            lookback_days=options["lookback"],
            backend=options["backend"],
        )
        with ProgressLine(self.stderr, _("screening")) as bar:
            run = screening_run_execute(run_id=run.pk, progress=bar.update)
        self.stdout.write(
            _("Screening run %(id)s of %(region)s as of %(as_of)s (%(days)s days, %(engine)s):")
            % {
                "id": run.pk,
                "region": run.region_id,
                "as_of": run.as_of,
                "days": run.lookback_days,
                "engine": run.backend,
            }
        )
        for key, value in run.counts.items():
            self.stdout.write(f"{key}\t{value}")

    def _import(self, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_IMPORT_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        job = travel_import_job(file_name=path.name, data=content)
        with ProgressLine(self.stderr, _("import")) as bar:
            finished = travel_import_run(job_id=job.pk, progress=bar.update)
        assert finished is not None
        for error in finished.result.get("errors", []):
            self.stdout.write(
                _("line %(line)s") % {"line": error["line"]}
                + f"\t{error['field'] or '-'}\t{error['code']}\t{error['message']}"
            )
        if not finished.status == "succeeded":
            raise CommandError(finished.message)
        self.stdout.write(self.style.SUCCESS(finished.message))
