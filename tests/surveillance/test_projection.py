"""The renewal-equation projection of new cases (surveillance.projection)."""

from datetime import date, timedelta

import numpy as np
import pytest

from fangyi.surveillance.projection import project_new_cases, renewal_paths
from fangyi.surveillance.rt import serial_interval

DAYS = 60
HORIZON = 7
ANCHOR = date(2020, 2, 15)


def fixed_r(value: float, level: int = 100, samples: int = 1000, seed: int = 1) -> np.ndarray:
    history = [level] * DAYS
    rng = np.random.default_rng(seed)
    return renewal_paths(history, serial_interval(DAYS + HORIZON), np.full(samples, value), HORIZON, rng)


def test_r_of_one_with_constant_incidence_keeps_the_level():
    paths = fixed_r(1.0)
    assert paths.shape == (1000, HORIZON)
    median = np.median(paths, axis=0)
    assert np.all(np.abs(median - 100) <= 3)
    # Poisson noise only: about sqrt(100) = 10 cases either side on the first day.
    assert 5 < np.std(paths[:, 0]) < 15


def test_r_above_one_grows_and_below_one_shrinks():
    growing = np.median(fixed_r(1.5), axis=0)
    shrinking = np.median(fixed_r(0.5), axis=0)
    assert growing[0] > 130 and np.all(np.diff(growing) > 0)
    assert shrinking[0] < 70 and np.all(np.diff(shrinking) < 0)


def test_zero_r_or_no_history_projects_nothing():
    assert not fixed_r(0.0).any()
    rng = np.random.default_rng(0)
    assert not renewal_paths([0] * 20, serial_interval(27), np.full(10, 2.0), HORIZON, rng).any()


def test_projection_from_the_posterior_keeps_a_steady_epidemic_steady():
    local = [100] * DAYS
    projection = project_new_cases(local, [0] * DAYS, ANCHOR)
    assert projection is not None
    assert projection.dates == tuple(ANCHOR + timedelta(days=n) for n in range(1, HORIZON + 1))
    assert projection.r_mean == pytest.approx(1.0, abs=0.03)
    assert projection.r_q025 < 1 < projection.r_q975
    for low, median, high in zip(projection.q025, projection.median, projection.q975, strict=True):
        assert low <= median <= high
        assert 90 <= median <= 110
        assert low < 100 < high


def test_projection_follows_growth():
    local = [round(5 * 1.1**day) for day in range(40)]
    projection = project_new_cases(local, [0] * 40, ANCHOR)
    assert projection is not None
    assert projection.r_mean > 1.2
    assert projection.median[-1] > projection.median[0] > local[-1]
    assert all(
        low <= median <= high
        for low, median, high in zip(projection.q025, projection.median, projection.q975, strict=True)
    )


def test_imported_cases_infect_but_projected_cases_are_local():
    """Imported cases alone in the history still give a projection (R from the local cases they caused)."""
    local = [0] * 10 + [10] * 20
    imported = [10] * 10 + [0] * 20
    projection = project_new_cases(local, imported, ANCHOR)
    assert projection is not None and projection.r_mean > 0


def test_deterministic_with_the_same_seed_and_different_with_another():
    local = [3, 5, 8, 6, 9, 12, 10, 15, 14, 18, 20, 17, 22, 25]
    imported = [2, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    first = project_new_cases(local, imported, ANCHOR)
    assert first is not None
    assert project_new_cases(local, imported, ANCHOR) == first
    other = project_new_cases(local, imported, ANCHOR, seed=7)
    assert other is not None
    assert (other.median, other.q025, other.q975) != (first.median, first.q025, first.q975)


def test_no_projection_without_an_estimate():
    assert project_new_cases([0] * 30, [0] * 30, ANCHOR) is None  # nobody to infect anyone
    assert project_new_cases([5, 6, 7], [0, 0, 0], ANCHOR) is None  # shorter than one window
    with pytest.raises(ValueError):
        project_new_cases([1, 2], [0], ANCHOR)
    with pytest.raises(ValueError):
        renewal_paths([1, 2, 3], [0, 1], [1.0], 0, np.random.default_rng(0))


def test_a_window_with_too_little_infectivity_is_not_projected_when_asked():
    local = [20] * 10 + [0] * 30  # an outbreak a month ago: R over the last week is mostly the prior
    assert project_new_cases(local, [0] * 40, ANCHOR) is not None
    assert project_new_cases(local, [0] * 40, ANCHOR, min_infectivity=2.0) is None
