import csv
import io
import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.surveillance.rt import (
    DEFAULT_PRIOR_MEAN,
    DEFAULT_PRIOR_SD,
    DEFAULT_WINDOW,
    OUTPUT_HEADER,
    RtError,
    default_windows,
    estimate_rt,
    parse_si_distr,
    read_incidence_csv,
    rt_rows,
    serial_interval,
)

MAX_INCIDENCE_BYTES = 10 * 1024 * 1024  # decades of daily counts; anything larger is the wrong file


class Command(BaseCommand):
    help = (
        "Estimate the reproduction number R_t (Cori et al. 2013, as EpiEstim) on sliding windows from a "
        "CSV of daily cases: date,cases[,imported]. Prints CSV: "
        "t_start,t_end,date_start,date_end,mean,std,q025,median,q975."
    )
    requires_system_checks = []  # pure arithmetic on a file: no models, nothing to check

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidence", required=True, metavar="FILE.csv", help="date,cases[,imported]")
        parser.add_argument("--si-mean", metavar="DAYS", help="serial interval mean (default 4.7)")
        parser.add_argument("--si-sd", metavar="DAYS", help="serial interval sd (default 2.9)")
        parser.add_argument(
            "--si-distr", metavar="W0,W1,...", help="serial interval distribution from day 0 (w0 = 0)"
        )
        parser.add_argument("--window", metavar="DAYS", help=f"window length (default {DEFAULT_WINDOW})")
        parser.add_argument(
            "--prior-mean", metavar="R", help=f"prior mean of R (default {DEFAULT_PRIOR_MEAN:g})"
        )
        parser.add_argument("--prior-sd", metavar="R", help=f"prior sd of R (default {DEFAULT_PRIOR_SD:g})")

    def handle(self, *args: Any, **options: Any) -> None:
        window = _number(options["window"], "--window", whole=True)
        prior_mean = _number(options["prior_mean"], "--prior-mean")
        prior_sd = _number(options["prior_sd"], "--prior-sd")
        si_mean = _number(options["si_mean"], "--si-mean")
        si_sd = _number(options["si_sd"], "--si-sd")
        try:
            si_distr = None if options["si_distr"] is None else parse_si_distr(options["si_distr"])
            incidence = read_incidence_csv(_read_text(Path(options["incidence"])))
            days = len(incidence.dates)
            windows = default_windows(days, DEFAULT_WINDOW if window is None else int(window))
            estimates = estimate_rt(
                incidence.local,
                incidence.imported,
                serial_interval(days, mean=si_mean, sd=si_sd, distr=si_distr),
                windows,
                prior_mean=DEFAULT_PRIOR_MEAN if prior_mean is None else prior_mean,
                prior_sd=DEFAULT_PRIOR_SD if prior_sd is None else prior_sd,
            )
        except RtError as exc:
            raise CommandError(exc.render_message()) from exc
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(OUTPUT_HEADER)
        writer.writerows(rt_rows(incidence, estimates))
        self.stdout.write(out.getvalue(), ending="")


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_INCIDENCE_BYTES + 1)
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from exc
    if len(content) > MAX_INCIDENCE_BYTES:
        raise CommandError(_("%(path)s is larger than 10 MB; is it the incidence file?") % {"path": path})
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": path}) from None


def _number(text: str | None, option: str, *, whole: bool = False) -> float | None:
    """An option's value; None when it was not given. Parsed here so that a bad one is a one-line error."""
    if text is None:
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        message = (
            _("%(option)s must be a whole number, not “%(value)s”.")
            if whole
            else _("%(option)s must be a number, not “%(value)s”.")
        )
        raise CommandError(message % {"option": option, "value": text})
    return value
