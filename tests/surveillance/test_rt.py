"""R_t (Cori et al. 2013) against EpiEstim's own test snapshots and the epyestim package; the `rt` command."""

import io
from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from fangyi.surveillance.management.commands.rt import Command
from fangyi.surveillance.rt import (
    RtError,
    check_si_distr,
    default_windows,
    discr_si,
    estimate_rt,
    overall_infectivity,
    read_incidence_csv,
)

# EpiEstim's Flu2009 data set: a school outbreak of pandemic flu, 2009-04-27 … 2009-05-28.
FLU2009 = [
    1,
    1,
    0,
    2,
    5,
    3,
    3,
    3,
    6,
    2,
    5,
    9,
    13,
    12,
    13,
    11,
    12,
    6,
    6,
    6,
    3,
    1,
    0,
    2,
    0,
    0,
    0,
    0,
    2,
    0,
    2,
    0,
]
FLU2009_SI = [0, 0.233, 0.359, 0.198, 0.103, 0.053, 0.027, 0.014, 0.007, 0.003, 0.002, 0.001]

# EpiEstim tests/testthat/_snaps/estimate_R.md, printed to 7-8 significant digits.
# Columns: t_start, Mean(R), Std(R), Quantile.0.025(R), Median(R), Quantile.0.975(R); t_end = t_start + 6.
EXAMPLE1_FLU2009_GIVEN_SI = [
    (2, 1.7356089, 0.40908694, 1.02863184, 1.7035760, 2.6244959),
    (3, 1.7490494, 0.36470202, 1.10874730, 1.7237672, 2.5329479),
    (4, 1.5370427, 0.30740855, 0.99469301, 1.5165981, 2.1955178),
    (8, 1.6636221, 0.23295369, 1.23867595, 1.6527615, 2.1502729),
    (12, 1.2477516, 0.14219449, 0.98470606, 1.2423543, 1.5414648),
    (16, 0.6908048, 0.10185361, 0.50575593, 0.6858055, 0.9042566),
    (21, 0.2976950, 0.11251813, 0.11968883, 0.2836454, 0.5553914),
    (22, 0.2400240, 0.12001200, 0.06539846, 0.2203457, 0.5260890),
    (26, 1.0040161, 0.44900963, 0.32600128, 0.9379335, 2.0565439),
]
EXAMPLE3_FLU2009_SI_2_6_1_5 = [
    (2, 1.7357977, 0.40913143, 1.02874370, 1.7037612, 2.6247813),
    (6, 1.4227247, 0.25150457, 0.97314263, 1.4079324, 1.9563365),
    (14, 0.9371671, 0.11449319, 0.72629165, 0.9325088, 1.1745108),
    (25, 0.8591897, 0.38424130, 0.27897655, 0.8026393, 1.7598935),
    (26, 0.9975352, 0.44611130, 0.32389696, 0.9318792, 2.0432690),
]
# Example 2: local and imported cases, days 0…26, parametric SI mean 2.6, sd 1.5.
EXAMPLE2_LOCAL = [0, 2, 0, 0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
EXAMPLE2_IMPORTED = [1, 1, 1, 1, 2, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
EXAMPLE2 = [
    (2, 0.6413590, 0.2424109, 0.257859602, 0.6110903, 1.1965445),
    (3, 0.3999222, 0.1788506, 0.129853640, 0.3736000, 0.8191677),
    (6, 0.3515432, 0.1757716, 0.095783678, 0.3227220, 0.7705187),
    (7, 0.1976371, 0.1397505, 0.023934764, 0.1658518, 0.5505816),
    (9, 0.1854957, 0.1854957, 0.004696345, 0.1285758, 0.6842713),
    (15, 2.5831197, 2.5831197, 0.065398929, 1.7904822, 9.5288173),
    (20, 4.8583931, 4.8583931, 0.123003865, 3.3675815, 17.9220266),
    (21, 9.8571825, 6.9700806, 1.193750537, 8.2718863, 27.4603530),
]
# discr_si(0:26, 2.6, 1.5), the si_distr of Example 2.
DISCR_SI_2_6_1_5 = [
    0.0, 2.331721e-01, 3.585794e-01, 1.981108e-01, 1.033427e-01, 5.290518e-02, 2.682146e-02,
    1.351620e-02, 6.783438e-03, 3.394351e-03, 1.694674e-03, 8.445945e-04, 4.203313e-04, 2.089422e-04,
    1.037609e-04, 5.148480e-05, 2.552773e-05, 1.264952e-05, 6.264667e-06, 3.101068e-06, 1.534394e-06,
    7.589168e-07, 3.752319e-07, 1.854675e-07, 9.164543e-08, 4.527299e-08, 2.235952e-08,
]  # fmt: skip

SNAPSHOT_RTOL = 1e-6  # the snapshot's printing precision


def _as_table(estimates):
    return {e.t_start: (e.mean, e.std, e.q025, e.median, e.q975) for e in estimates}


def _assert_matches(estimates, expected):
    table = _as_table(estimates)
    for t_start, *values in expected:
        assert table[t_start] == pytest.approx(values, rel=SNAPSHOT_RTOL), t_start


# --- the serial interval ---------------------------------------------------------------------------


def test_discr_si_matches_epiestim():
    assert discr_si(np.arange(27), 2.6, 1.5) == pytest.approx(DISCR_SI_2_6_1_5, rel=SNAPSHOT_RTOL, abs=1e-14)


@pytest.mark.parametrize(("mu", "sigma"), [(2.6, 1.5), (4.7, 2.9), (8.4, 3.8), (14.9, 3.9), (3, 6)])
def test_discr_si_is_a_distribution_with_the_given_mean(mu, sigma):
    """EpiEstim's test: the discretisation keeps the mean (a day-long uniform primary event)."""
    k = np.arange(400)
    w = discr_si(k, mu, sigma)
    assert w[0] == 0
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1, abs=1e-6)
    assert (k * w).sum() == pytest.approx(mu, rel=1e-4)


@pytest.mark.parametrize(("mu", "sigma", "code"), [(4.7, 0, "si_sd"), (4.7, -1, "si_sd"), (1, 2, "si_mean")])
def test_discr_si_refuses_impossible_parameters(mu, sigma, code):
    with pytest.raises(RtError) as caught:
        discr_si([0, 1, 2], mu, sigma)
    assert caught.value.code == code


@pytest.mark.parametrize("distr", [[0.1, 0.9], [0, 0.5, 0.4], [0, 1.2, -0.2], [0.0], [0, float("nan"), 1]])
def test_a_given_distribution_is_checked_as_epiestim_does(distr):
    with pytest.raises(RtError):
        check_si_distr(distr)


# --- the estimator against EpiEstim ------------------------------------------------------------------


def test_given_si_matches_epiestim_example_1():
    local = [0, *FLU2009[1:]]  # EpiEstim counts day 1's cases as imported
    imported = [FLU2009[0]] + [0] * (len(FLU2009) - 1)
    estimates = estimate_rt(local, imported, FLU2009_SI, default_windows(len(FLU2009)))
    assert [(e.t_start, e.t_end) for e in estimates] == [(s, s + 6) for s in range(2, 27)]
    _assert_matches(estimates, EXAMPLE1_FLU2009_GIVEN_SI)


def test_day_one_local_or_imported_is_the_same_for_default_windows():
    """EpiEstim moves day 1's local cases to imported; no default window counts day 1 on the numerator."""
    as_local = estimate_rt(FLU2009, [0] * len(FLU2009), FLU2009_SI, default_windows(len(FLU2009)))
    _assert_matches(as_local, EXAMPLE1_FLU2009_GIVEN_SI)


def test_parametric_si_matches_epiestim_example_3():
    days = len(FLU2009)
    estimates = estimate_rt(FLU2009, [0] * days, discr_si(np.arange(days), 2.6, 1.5), default_windows(days))
    _assert_matches(estimates, EXAMPLE3_FLU2009_SI_2_6_1_5)


def test_imported_cases_infect_but_are_not_infected_epiestim_example_2():
    days = len(EXAMPLE2_LOCAL)
    estimates = estimate_rt(
        EXAMPLE2_LOCAL, EXAMPLE2_IMPORTED, discr_si(np.arange(days), 2.6, 1.5), default_windows(days)
    )
    assert len(estimates) == 20
    _assert_matches(estimates, EXAMPLE2)


def test_windows_where_epiestim_gives_na_are_empty():
    """EpiEstim gives NA for a window ending no later than the mean serial interval."""
    days = len(FLU2009)
    estimates = estimate_rt(
        FLU2009, [0] * days, discr_si(np.arange(days), 4.7, 2.9), default_windows(days, 1)
    )
    empty = [e.t_end for e in estimates if e.mean is None]
    assert empty == [2, 3, 4]  # the discretised mean is 4.7 (truncated at T - 1: a hair below)
    assert all(e.median is not None for e in estimates if e.t_end > 4.7)


def test_a_window_nobody_could_have_infected_is_empty():
    local = [0, 0, 0, 3, 5, 8, 13, 21, 34]
    estimates = estimate_rt(local, [0] * 9, [0, 0.5, 0.5], default_windows(9, 2))
    assert [(e.t_start, e.mean is None) for e in estimates][:3] == [(2, True), (3, True), (4, False)]

    # After an outbreak, once the serial interval's reach has passed, nothing infects either.
    after = [1000, 3000, 7000, 0, 0, 0, 0, 0]
    estimates = estimate_rt(after, [0] * 8, [0, 0.6, 0.4], default_windows(8, 2))
    assert [e.t_start for e in estimates if e.mean is None] == [6, 7]


# --- the estimator against epyestim ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("si", "window", "prior"),
    [("parametric", 7, (5, 5)), ("flu", 7, (5, 5)), ("parametric", 14, (2, 1)), ("flu", 3, (1, 10))],
)
def test_matches_epyestim(si, window, prior):
    """epyestim's estimate_r is Cori's posterior on rolling windows ending on each day, from day 1 on.

    It has no imported cases, and its own discretise_gamma (unshifted, w_0 > 0) differs from EpiEstim's,
    so both get the same incidence and the same (EpiEstim) distribution; windows from day 2 are compared.
    """
    pd = pytest.importorskip("pandas")
    epyestim = pytest.importorskip("epyestim.estimate_r")
    rng = np.random.default_rng(2020)
    days = 70
    # An outbreak that grows, is brought under control and flares up again.
    expected = 2 + 40 * np.exp(-(((np.arange(days) - 25) / 9) ** 2)) + 15 * (np.arange(days) > 55)
    cases = rng.poisson(expected)
    w = discr_si(np.arange(days), 4.7, 2.9) if si == "parametric" else np.array(FLU2009_SI)
    prior_mean, prior_sd = prior
    a_prior, b_prior = (prior_mean / prior_sd) ** 2, prior_sd**2 / prior_mean

    index = pd.date_range("2020-01-20", periods=days, freq="D")
    theirs = epyestim.estimate_r(pd.Series(cases, index=index), w, a_prior, b_prior, window_size=window)
    ours = estimate_rt(cases, [0] * days, w, default_windows(days, window), prior_mean, prior_sd)

    assert len(ours) == len(theirs) - 1  # theirs also has the window starting on day 1
    for estimate in ours:
        row = theirs.loc[index[estimate.t_end - 1]]
        a, b = row["a_posterior"], row["b_posterior"]
        assert estimate.shape == pytest.approx(a, rel=1e-9)
        assert estimate.scale == pytest.approx(b, rel=1e-9)
        reference = [
            a * b,
            np.sqrt(a) * b,
            *(epyestim.gamma_quantiles(q, a, b) for q in (0.025, 0.5, 0.975)),
        ]
        assert [estimate.mean, estimate.std, estimate.q025, estimate.median, estimate.q975] == pytest.approx(
            reference, rel=1e-6
        )


# --- properties ---------------------------------------------------------------------------------------

counts = st.lists(st.integers(0, 500), min_size=2, max_size=40)


@given(counts, st.lists(st.floats(0, 1), min_size=1, max_size=15))
def test_overall_infectivity_is_the_sum_over_earlier_days(incidence, weights):
    w = [0.0, *weights]
    lam = overall_infectivity(incidence, w)
    for t in range(1, len(incidence) + 1):  # days from 1
        naive = sum(w[k] * incidence[t - 1 - k] for k in range(1, t) if k < len(w))
        assert lam[t - 1] == pytest.approx(naive, abs=1e-9)


@settings(max_examples=50)
@given(
    counts.flatmap(
        lambda local: st.tuples(
            st.just(local), st.lists(st.integers(0, 50), min_size=len(local), max_size=len(local))
        )
    )
)
def test_imported_cases_only_add_infectivity(pair):
    """Moving cases from local to imported keeps Lambda, so the posterior's scale; the shape drops."""
    local, imported = pair
    days = len(local)
    w = discr_si(np.arange(days), 2.6, 1.5)
    windows = default_windows(days, 1)
    both = estimate_rt([a + b for a, b in zip(local, imported, strict=True)], [0] * days, w, windows)
    split = estimate_rt(local, imported, w, windows)
    for whole, part, t in zip(both, split, range(2, days + 1), strict=True):
        assert (whole.scale is None) == (part.scale is None)
        if whole.shape is not None and part.shape is not None:
            assert part.scale == pytest.approx(whole.scale)
            assert whole.shape - part.shape == pytest.approx(imported[t - 1])


# --- reading the incidence ------------------------------------------------------------------------------


def _csv(rows, header="date,cases,imported", start=date(2020, 1, 21)):
    lines = [header]
    for offset, row in enumerate(rows):
        lines.append(",".join([(start + timedelta(days=offset)).isoformat(), *map(str, row)]))
    return "\n".join(lines) + "\n"


def test_reads_local_and_imported_cases():
    incidence = read_incidence_csv("\ufeff" + _csv([(0, 1), (2, 0), (1, 3)]))
    assert incidence.dates[0] == date(2020, 1, 21)
    assert incidence.local == (0, 2, 1)
    assert incidence.imported == (1, 0, 3)


def test_imported_is_optional_and_columns_may_come_in_any_order():
    incidence = read_incidence_csv("cases,date\n4,2020-01-21\n5,2020-01-22\n")
    assert incidence.local == (4, 5)
    assert incidence.imported == (0, 0)


# --- the command ------------------------------------------------------------------------------------------


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str):
        path = tmp_path / "incidence.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run(*argv: str, language: str = "en") -> tuple[int, str, str]:
    """The command as `fangyi rt …` runs it: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        try:
            Command(stdout=out, stderr=err).run_from_argv(["fangyi", "rt", *argv])
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_command_speaks_chinese_by_default(write_csv):
    path = write_csv("date,imported\n2020-01-21,0\n2020-01-22,1\n")
    status, _, err = run("--incidence", path, language="zh-hans")
    assert status == 1
    assert "缺少列：cases" in err


def test_command_prints_epiestim_example_2(write_csv):
    path = write_csv(_csv(zip(EXAMPLE2_LOCAL, EXAMPLE2_IMPORTED, strict=True), start=date(2020, 1, 1)))
    status, out, err = run("--incidence", path, "--si-mean", "2.6", "--si-sd", "1.5")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "t_start,t_end,date_start,date_end,mean,std,q025,median,q975"
    assert len(lines) == 1 + 20
    first = lines[1].split(",")
    assert first[:4] == ["2", "8", "2020-01-02", "2020-01-08"]
    assert [float(v) for v in first[4:]] == pytest.approx(EXAMPLE2[0][1:], rel=SNAPSHOT_RTOL)


def test_command_defaults_and_a_given_distribution(write_csv):
    path = write_csv(_csv([(n,) for n in FLU2009], header="date,cases", start=date(2009, 4, 27)))
    status, out, _ = run("--incidence", path)
    days = len(FLU2009)
    expected = estimate_rt(FLU2009, [0] * days, discr_si(np.arange(days), 4.7, 2.9), default_windows(days))
    rows = [line.split(",") for line in out.splitlines()[1:]]
    assert status == 0
    assert [float(row[4]) for row in rows] == pytest.approx([e.mean for e in expected], rel=1e-9)

    status, out, _ = run("--incidence", path, "--si-distr", ",".join(map(str, FLU2009_SI)), "--window", "7")
    rows = [line.split(",") for line in out.splitlines()[1:]]
    assert rows[0][:4] == ["2", "8", "2009-04-28", "2009-05-04"]
    assert [float(v) for v in rows[0][4:]] == pytest.approx(
        EXAMPLE1_FLU2009_GIVEN_SI[0][1:], rel=SNAPSHOT_RTOL
    )


def test_command_prints_empty_fields_where_there_is_no_estimate(write_csv):
    path = write_csv(_csv([(0, 0), (0, 0), (0, 0), (0, 2), (3, 0), (4, 0), (6, 0)]))
    status, out, _ = run("--incidence", path, "--si-distr", "0,0.6,0.4", "--window", "1")
    assert status == 0
    assert out.splitlines()[1:4] == [
        "2,2,2020-01-22,2020-01-22,,,,,",
        "3,3,2020-01-23,2020-01-23,,,,,",
        "4,4,2020-01-24,2020-01-24,,,,,",
    ]
    assert all(field for field in out.splitlines()[4].split(","))


GOOD = _csv([(n, n % 3) for n in range(10)])  # ten days: the default window fits


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("date,imported\n2020-01-21,1\n2020-01-22,1\n", [], "Missing columns: cases"),
        ("date,cases,deaths\n2020-01-21,1,0\n2020-01-22,1,0\n", [], "Unknown or repeated columns: deaths"),
        ("date,cases,cases\n2020-01-21,1,0\n2020-01-22,1,0\n", [], "Unknown or repeated columns: cases"),
        ("", [], "Missing columns: date, cases"),
        ("date,cases\n", [], "no rows"),
        ("date,cases\n2020-01-21,1\n2020-01-22,1.5\n", [], "Line 3: cases must be a whole number"),
        ("date,cases\n2020-01-21,1\n2020-01-22,x\n", [], "Line 3: cases must be a whole number"),
        ("date,cases,imported\n2020-01-21,1,-2\n2020-01-22,1,0\n", [], "Line 2: imported cannot be negative"),
        ("date,cases\n2020-01-21,1\n21/01/2020,1\n", [], "Line 3: “21/01/2020” is not a date"),
        ("date,cases\n2020-01-21,1\n2020-01-23,1\n", [], "2020-01-23 does not follow 2020-01-21"),
        ("date,cases\n2020-01-21,1\n2020-01-21,1\n", [], "2020-01-21 does not follow 2020-01-21"),
        ("date,cases\n2020-01-22,1\n2020-01-21,1\n", [], "does not follow"),
        ("date,cases\n2020-01-21,1\n2020-01-22\n", [], "Line 3: expected 2 fields, found 1"),
        ("date,cases\n2020-01-21,1\n", [], "at least two days"),
        (GOOD, ["--window", "0"], "between 1 and 9 days"),
        (GOOD, ["--window", "10"], "between 1 and 9 days"),
        (GOOD, ["--window", "2.5"], "--window must be a whole number"),
        (GOOD, ["--si-sd", "0"], "standard deviation must be a positive number"),
        (GOOD, ["--si-sd", "-1"], "standard deviation must be a positive number"),
        (GOOD, ["--si-mean", "1"], "mean must be a number greater than 1"),
        (GOOD, ["--si-mean", "nan"], "--si-mean must be a number"),
        (GOOD, ["--si-mean", "4", "--si-distr", "0,1"], "not both"),
        (GOOD, ["--si-sd", "2", "--si-distr", "0,1"], "not both"),
        (GOOD, ["--si-distr", "0,0.5,0.3"], "must sum to 1; it sums to 0.8"),
        (GOOD, ["--si-distr", "0.2,0.8"], "must start with 0"),
        (GOOD, ["--si-distr", "0,1.5,-0.5"], "cannot hold negative"),
        (GOOD, ["--si-distr", "0,a"], "numbers separated by commas"),
        (GOOD, ["--prior-sd", "0"], "prior standard deviation of R must be a positive number"),
        (GOOD, ["--prior-mean", "-5"], "prior mean of R must be a positive number"),
    ],
)
def test_command_refuses_bad_input_in_one_line(write_csv, text, options, message):
    status, out, err = run("--incidence", write_csv(text), *options)
    assert status != 0
    assert out == ""
    assert err.startswith("CommandError: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_command_refuses_a_missing_file(tmp_path):
    status, _, err = run("--incidence", str(tmp_path / "absent.csv"))
    assert status != 0
    assert err.startswith("CommandError: Cannot read ")
    assert err.count("\n") == 1
