"""A short-term projection of new cases by the renewal equation, from the last R_t window.

Given the daily cases up to an anchor day, each simulated path draws one R from the gamma posterior
of the last window (Cori et al., as in `rt.py`), then, day after day,

    I_t ~ Poisson(R * Lambda_t),  Lambda_t = sum_{k>=1} w_k I_{t-k},

where the history counts local and imported cases (both infect) and projected cases are local (no
further importations are assumed). The median and the 95% interval over the paths give the
projection. A fixed seed makes it deterministic, so the same data always shows the same band.

This is the approach of the R package `projections` (Jombart et al.) with R sampled from EpiEstim's
posterior; it says where the curve goes if transmission stays as it was in the last window, not what
interventions will do.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from fangyi.surveillance.rt import (
    DEFAULT_PRIOR_MEAN,
    DEFAULT_PRIOR_SD,
    DEFAULT_WINDOW,
    estimate_rt,
    serial_interval,
)

DEFAULT_HORIZON = 7
DEFAULT_SAMPLES = 2000
DEFAULT_SEED = 2020


@dataclass(frozen=True)
class Projection:
    """Projected new cases per day after the anchor day, with the R the paths were drawn from."""

    dates: tuple[date, ...]
    median: tuple[float, ...]
    q025: tuple[float, ...]
    q975: tuple[float, ...]
    r_mean: float
    r_q025: float
    r_q975: float


def renewal_paths(
    history: Sequence[int] | np.ndarray,
    si_distr: Sequence[float] | np.ndarray,
    r_samples: Sequence[float] | np.ndarray,
    horizon: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulated new cases, one row per R sample and one column per day after the history."""
    if horizon < 1:
        raise ValueError("the horizon must be at least one day")
    past = np.asarray(history, dtype=float)
    r = np.asarray(r_samples, dtype=float)
    if past.ndim != 1 or r.ndim != 1 or r.size == 0:
        raise ValueError("history and r_samples must be non-empty one-dimensional sequences")
    days = past.size
    w = np.zeros(days + horizon)
    given = np.asarray(si_distr, dtype=float)[: days + horizon]
    w[: given.size] = given
    w[0] = 0.0
    cases = np.empty((r.size, days + horizon))
    cases[:, :days] = past
    for t in range(days, days + horizon):
        # Lambda_t = sum_{k=1}^{t} w_k I_{t-k}: the infectiousness of everyone infected before day t.
        lam = cases[:, t - 1 :: -1] @ w[1 : t + 1]
        cases[:, t] = rng.poisson(r * lam)
    return cases[:, days:]


def project_new_cases(
    local: Sequence[int],
    imported: Sequence[int],
    anchor: date,
    *,
    horizon: int = DEFAULT_HORIZON,
    window: int = DEFAULT_WINDOW,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    si_distr: Sequence[float] | np.ndarray | None = None,
    min_infectivity: float = 0.0,
) -> Projection | None:
    """Project `horizon` days after `anchor`, the last day of `local` and `imported`.

    None when the last window has no estimate of R (too few days, or nobody to infect anyone), or
    when its total infectivity is below `min_infectivity`, so that R would mostly be the prior's.
    """
    days = len(local)
    if days != len(imported):
        raise ValueError("local and imported cases must cover the same days")
    if days < window + 1:
        return None
    w = serial_interval(days + horizon) if si_distr is None else np.asarray(si_distr, dtype=float)
    (estimate,) = estimate_rt(local, imported, w[:days], [(days - window + 1, days)])
    if estimate.shape is None or estimate.scale is None or estimate.mean is None:
        return None
    if 1 / estimate.scale - DEFAULT_PRIOR_MEAN / DEFAULT_PRIOR_SD**2 < min_infectivity:
        return None  # the posterior rate is the prior's plus the window's infectivity
    rng = np.random.default_rng(seed)
    r = rng.gamma(estimate.shape, estimate.scale, size=samples)
    total = np.asarray(local, dtype=float) + np.asarray(imported, dtype=float)
    paths = renewal_paths(total, w, r, horizon, rng)
    q025, median, q975 = np.quantile(paths, [0.025, 0.5, 0.975], axis=0)
    return Projection(
        dates=tuple(anchor + timedelta(days=n) for n in range(1, horizon + 1)),
        median=tuple(float(v) for v in median),
        q025=tuple(float(v) for v in q025),
        q975=tuple(float(v) for v in q975),
        r_mean=float(estimate.mean),
        r_q025=float(estimate.q025 or 0.0),
        r_q975=float(estimate.q975 or 0.0),
    )
