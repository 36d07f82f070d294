"""The time-varying reproduction number R_t by the method of Cori et al. (AJE 2013).

This follows the R package EpiEstim (`estimate_R` with a known serial interval), so that our numbers
can be checked against it:

* the serial interval w_k is either given (w_0 must be 0) or a gamma shifted by one day, discretised
  as EpiEstim's `discr_si` does;
* the total infectivity Lambda_t = sum_{k=1}^{t-1} w_k I_{t-k} counts local and imported cases, since
  imported cases infect others, but only local cases count as infected on the numerator;
* over a window t_start..t_end, with a gamma(shape a, scale b) prior on R, the posterior is
  gamma(shape a + sum I_local, scale 1 / (1/b + sum Lambda)).

Days are counted from 1, as in EpiEstim. Everything here is pure: the management command `rt` reads
the file and prints.
"""

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import stats

from fangyi.core.errors import DomainError

DEFAULT_SI_MEAN = 4.7  # days; COVID-19 serial interval (Du et al. 2020), EpiEstim's own COVID example
DEFAULT_SI_SD = 2.9
DEFAULT_WINDOW = 7
DEFAULT_PRIOR_MEAN = 5.0  # EpiEstim's defaults: a vague prior, so that an R below 1 comes from the data
DEFAULT_PRIOR_SD = 5.0
SI_SUM_TOLERANCE = 0.01  # EpiEstim's check_si_distr refuses a distribution further than this from 1
QUANTILES = (0.025, 0.5, 0.975)
OUTPUT_HEADER = ("t_start", "t_end", "date_start", "date_end", "mean", "std", "q025", "median", "q975")

_COUNT = re.compile(r"\d+")
_NEGATIVE_COUNT = re.compile(r"-\d+")


class RtError(DomainError):
    """Input that the estimator refuses; the message names the offending value."""


@dataclass(frozen=True)
class Incidence:
    """Daily cases on consecutive days: `local` were infected here, `imported` elsewhere."""

    dates: tuple[date, ...]
    local: tuple[int, ...]
    imported: tuple[int, ...]


@dataclass(frozen=True)
class RtEstimate:
    """The gamma posterior of R over days t_start..t_end (from 1); None where R cannot be estimated."""

    t_start: int
    t_end: int
    shape: float | None
    scale: float | None
    mean: float | None
    std: float | None
    q025: float | None
    median: float | None
    q975: float | None


def discr_si(k: Sequence[int] | np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """P(serial interval = k days) for 1 + gamma(mean mu - 1, sd sigma), as EpiEstim's `discr_si`.

    The closed form of the Cori et al. (2013) supplement: w_k is the probability that a delay starting
    uniformly within day 0 ends on day k. It keeps the mean mu exactly, and w_0 = 0.
    """
    if not sigma > 0 or not math.isfinite(sigma):
        raise RtError("si_sd", _("The serial interval's standard deviation must be a positive number."))
    if not mu > 1 or not math.isfinite(mu):
        raise RtError("si_mean", _("The serial interval's mean must be a number greater than 1 (days)."))
    k = np.asarray(k, dtype=float)
    shape = ((mu - 1) / sigma) ** 2
    scale = sigma**2 / (mu - 1)

    def cdf(x: np.ndarray, a: float) -> np.ndarray:
        return stats.gamma.cdf(x, a, scale=scale)  # 0 for x <= 0

    w = k * cdf(k, shape) + (k - 2) * cdf(k - 2, shape) - 2 * (k - 1) * cdf(k - 1, shape)
    w += shape * scale * (2 * cdf(k - 1, shape + 1) - cdf(k - 2, shape + 1) - cdf(k, shape + 1))
    return np.maximum(w, 0.0)  # EpiEstim clips the rounding noise of the far tail at 0


def check_si_distr(si_distr: Sequence[float]) -> np.ndarray:
    """A given serial interval distribution, with EpiEstim's checks (w_0 = 0, w >= 0, sum ~ 1)."""
    w = np.asarray(si_distr, dtype=float)
    if w.ndim != 1 or w.size < 2 or not np.all(np.isfinite(w)):
        raise RtError(
            "si_distr", _("The serial interval distribution must be at least two numbers, w0,w1,….")
        )
    if w[0] != 0:
        raise RtError(
            "si_distr",
            _("The serial interval distribution must start with 0: nobody infects others on their own day."),
        )
    if np.any(w < 0):
        raise RtError("si_distr", _("The serial interval distribution cannot hold negative numbers."))
    if abs(w.sum() - 1) > SI_SUM_TOLERANCE:
        raise RtError(
            "si_distr",
            _("The serial interval distribution must sum to 1; it sums to %(total)s."),
            total=f"{w.sum():.6g}",
        )
    return w


def overall_infectivity(
    total: Sequence[int] | np.ndarray, si_distr: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Lambda_t = sum_{k=1}^{t-1} w_k I_{t-k} for t = 1..T (index t-1); Lambda_1 = 0 (EpiEstim: NA)."""
    incidence = np.asarray(total, dtype=float)
    w = np.zeros(incidence.size)
    given = np.asarray(si_distr, dtype=float)[: incidence.size]
    w[: given.size] = given
    w[0] = 0.0  # a case does not infect on its own day, whatever the distribution says
    return np.convolve(incidence, w)[: incidence.size]


def default_windows(days: int, window: int = DEFAULT_WINDOW) -> list[tuple[int, int]]:
    """EpiEstim's sliding windows: t_start = 2 … T - window + 1, each `window` days long."""
    if days < 2:
        raise RtError("incidence", _("R_t needs the incidence of at least two days."))
    if not 1 <= window <= days - 1:
        raise RtError(
            "window",
            _("The window must be between 1 and %(max)s days (the number of days minus one)."),
            max=days - 1,
        )
    return [(start, start + window - 1) for start in range(2, days - window + 2)]


def estimate_rt(
    local: Sequence[int],
    imported: Sequence[int],
    si_distr: Sequence[float] | np.ndarray,
    windows: Sequence[tuple[int, int]],
    prior_mean: float = DEFAULT_PRIOR_MEAN,
    prior_sd: float = DEFAULT_PRIOR_SD,
) -> list[RtEstimate]:
    """The posterior of R for each window (t_start, t_end), days counted from 1.

    A window gets no estimate (all None) where EpiEstim gives NA — it ends no later than the mean
    serial interval — and also where no earlier case could have infected anyone in it (sum Lambda = 0):
    EpiEstim then returns the prior shifted by the local cases, which says nothing about R.
    """
    if not (prior_mean > 0 and math.isfinite(prior_mean)):
        raise RtError("prior_mean", _("The prior mean of R must be a positive number."))
    if not (prior_sd > 0 and math.isfinite(prior_sd)):
        raise RtError("prior_sd", _("The prior standard deviation of R must be a positive number."))
    local_cases = np.asarray(local, dtype=float)
    days = local_cases.size
    if len(imported) != days:
        raise ValueError("local and imported cases must cover the same days")
    lam = overall_infectivity(local_cases + np.asarray(imported, dtype=float), si_distr)
    # EpiEstim pads the distribution with zeros to T + 1 values before taking its mean.
    w = np.asarray(si_distr, dtype=float)
    mean_si = float(np.sum(w * np.arange(w.size)))
    a_prior = (prior_mean / prior_sd) ** 2
    b_prior = prior_sd**2 / prior_mean

    estimates = []
    for t_start, t_end in windows:
        if not 2 <= t_start <= t_end <= days:
            raise RtError(
                "window", _("A window must lie within days 2 to %(days)s of the incidence."), days=days
            )
        # Summed per window, not by differences of running totals: a window after the serial interval's
        # reach must see exactly 0, not the rounding residue of an earlier peak.
        lambda_sum = float(lam[t_start - 1 : t_end].sum())
        if t_end <= mean_si or lambda_sum <= 0:
            estimates.append(RtEstimate(t_start, t_end, None, None, None, None, None, None, None))
            continue
        shape = a_prior + float(local_cases[t_start - 1 : t_end].sum())
        scale = 1 / (1 / b_prior + lambda_sum)
        q025, median, q975 = (float(q) for q in stats.gamma.ppf(QUANTILES, shape, scale=scale))
        estimates.append(
            RtEstimate(
                t_start,
                t_end,
                shape=float(shape),
                scale=float(scale),
                mean=float(shape * scale),
                std=float(math.sqrt(shape) * scale),
                q025=q025,
                median=median,
                q975=q975,
            )
        )
    return estimates


def serial_interval(
    days: int, mean: float | None = None, sd: float | None = None, distr: Sequence[float] | None = None
) -> np.ndarray:
    """The serial interval to use: a given distribution, or discr_si(0..T-1) as EpiEstim builds it."""
    if distr is not None:
        if mean is not None or sd is not None:
            raise RtError(
                "si_distr", _("Give either the serial interval's mean and sd, or its distribution, not both.")
            )
        return check_si_distr(distr)
    mean = DEFAULT_SI_MEAN if mean is None else mean
    sd = DEFAULT_SI_SD if sd is None else sd
    return discr_si(np.arange(days), mean, sd)


def parse_count(text: str, line: int, column: str) -> int:
    value = text.strip()
    if _COUNT.fullmatch(value):
        return int(value)
    if _NEGATIVE_COUNT.fullmatch(value):
        raise RtError(
            "incidence",
            _("Line %(line)s: %(column)s cannot be negative (%(value)s)."),
            line=line,
            column=column,
            value=value,
        )
    raise RtError(
        "incidence",
        _("Line %(line)s: %(column)s must be a whole number of cases, not “%(value)s”."),
        line=line,
        column=column,
        value=value,
    )


def read_incidence_csv(text: str) -> Incidence:
    """Parse `date,cases[,imported]` (ISO dates, consecutive, ascending); cases are the local cases."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a byte-order mark
    header = [name.strip().lower() for name in next(reader, [])]
    unknown = [name for name in header if name not in {"date", "cases", "imported"}]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if unknown or repeated:
        raise RtError(
            "incidence",
            _("Unknown or repeated columns: %(columns)s. Expected date, cases and optionally imported."),
            columns=", ".join(unknown + repeated),
        )
    missing = [name for name in ("date", "cases") if name not in header]
    if missing:
        raise RtError("incidence", _("Missing columns: %(columns)s."), columns=", ".join(missing))
    position = {name: index for index, name in enumerate(header)}

    dates: list[date] = []
    local: list[int] = []
    imported: list[int] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line, e.g. at the end of the file
        if len(row) != len(header):
            raise RtError(
                "incidence",
                _("Line %(line)s: expected %(expected)s fields, found %(found)s."),
                line=line,
                found=len(row),
                expected=len(header),
            )
        raw_date = row[position["date"]].strip()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise RtError(
                "incidence",
                _("Line %(line)s: “%(value)s” is not a date like 2020-01-23."),
                line=line,
                value=raw_date,
            ) from None
        if dates and day != dates[-1] + timedelta(days=1):
            raise RtError(
                "incidence",
                _("Line %(line)s: %(day)s does not follow %(previous)s; give every day once, in order."),
                line=line,
                day=day.isoformat(),
                previous=dates[-1].isoformat(),
            )
        dates.append(day)
        local.append(parse_count(row[position["cases"]], line, "cases"))
        imported.append(
            parse_count(row[position["imported"]], line, "imported") if "imported" in position else 0
        )
    if not dates:
        raise RtError("incidence", _("The incidence file has no rows."))
    return Incidence(tuple(dates), tuple(local), tuple(imported))


def parse_si_distr(text: str) -> list[float]:
    """'0,0.2,0.5,0.3' → numbers; the checks of the distribution itself are in check_si_distr."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise RtError(
            "si_distr", _("The serial interval distribution must be numbers separated by commas.")
        ) from None


def rt_rows(incidence: Incidence, estimates: Sequence[RtEstimate]) -> list[list[str]]:
    """The output rows under OUTPUT_HEADER; a window without an estimate has empty fields."""

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.10g}"

    return [
        [
            str(e.t_start),
            str(e.t_end),
            incidence.dates[e.t_start - 1].isoformat(),
            incidence.dates[e.t_end - 1].isoformat(),
            *(number(v) for v in (e.mean, e.std, e.q025, e.median, e.q975)),
        ]
        for e in estimates
    ]
