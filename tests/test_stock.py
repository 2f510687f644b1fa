"""evalkit.stock: the month's stock, shares of it, and their person-clustered variance.

Hand computations on constructed data, R's ``sandwich::vcovCL`` at 1e-6
(``tests/fixtures/make_stock_fixtures.R``), and the coverage of the interval by
simulation with fixed seeds.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from evalkit import measures, stock
from evalkit.baseline import wilson

FIX = Path(__file__).parent / "fixtures" / "stock"
T = pd.Timestamp


def _status(rows: list[tuple[str, str, str]], hours: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {"person_id": [r[0] for r in rows], "week": pd.to_datetime([r[1] for r in rows]),
         "status": [r[2] for r in rows], "hours": hours}
    )  # fmt: skip


# --------------------------------------------------------------------------- stock
def test_monthly_stock_counts_a_week_in_every_month_it_touches() -> None:
    p = pd.DataFrame({"person_id": ["a", "b", "c"]})
    st = _status([
        ("a", "2020-01-27", "kontanthjaelp"),   # Mon 27 Jan - Sun 2 Feb: January and February
        ("b", "2020-03-02", "kontanthjaelp"),
        ("b", "2020-03-09", "selvforsoergende"),
        ("c", "2020-02-10", "dagpenge"),        # another benefit: not in this stock
        ("z", "2020-02-10", "kontanthjaelp"),   # not a participant
    ])  # fmt: skip
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    got = stock.monthly_stock(p, st, months, ["kontanthjaelp"])
    assert got.astype(int).tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_monthly_stock_argument_errors() -> None:
    p = pd.DataFrame({"person_id": ["a"]})
    st = _status([("a", "2020-01-06", "kontanthjaelp")])
    with pytest.raises(ValueError, match="benefits must name at least one"):
        stock.monthly_stock(p, st, pd.date_range("2020-01-01", periods=1, freq="MS"), [])
    with pytest.raises(ValueError, match="months must be first days"):
        stock.monthly_stock(p, st, pd.DatetimeIndex(["2020-01-15"]), ["kontanthjaelp"])


# --------------------------------------------------------------------------- the contrast by hand
def test_clustered_contrast_by_hand() -> None:
    # persons a-d, months (baseline, end); d only at the end, c only at baseline
    y = np.array([[1, 1], [0, 1], [0, 0], [0, 1]], bool)
    s = np.array([[1, 1], [1, 1], [1, 0], [0, 1]], bool)
    c = stock.clustered_share_contrast(y, s, [-1.0, 1.0])
    p0, p1 = 1 / 3, 1.0
    u = np.array([
        -(1 - p0) / 3 + (1 - p1) / 3,   # a: in both
        -(0 - p0) / 3 + (1 - p1) / 3,   # b: in both
        -(0 - p0) / 3,                  # c: baseline only
        (1 - p1) / 3,                   # d: end only
    ])  # fmt: skip
    var = 4 / 3 * float(u @ u)
    assert c.estimate == pytest.approx(p1 - p0)
    assert c.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert c.n_persons == 4
    assert c.x.tolist() == [1, 3] and c.n.tolist() == [3, 3]
    z = norm.isf(0.025)
    assert (c.lower, c.upper) == pytest.approx((c.estimate - z * c.se, c.estimate + z * c.se))


def test_clustered_contrast_one_month_is_the_wald_share_with_g_over_g_minus_1() -> None:
    # one month, each person once: Var = n/(n-1) * p(1-p)/n = p(1-p)/(n-1)
    y = np.array([[1], [1], [0], [0], [0]], bool)
    c = stock.clustered_share_contrast(y, np.ones_like(y), [1.0])
    assert c.estimate == pytest.approx(0.4)
    assert c.se == pytest.approx(math.sqrt(0.4 * 0.6 / 4), rel=1e-12)


def test_clustered_contrast_ignores_persons_outside_the_weighted_months() -> None:
    y = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], bool)
    s = np.array([[1, 1, 0], [1, 1, 0], [1, 1, 0], [0, 0, 1]], bool)
    a = stock.clustered_share_contrast(y, s, [-1, 1, 0])
    b = stock.clustered_share_contrast(y[:3, :2], s[:3, :2], [-1, 1])
    assert a.n_persons == b.n_persons == 3
    assert (a.estimate, a.se) == pytest.approx((b.estimate, b.se), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stock": np.ones((2, 3), bool)}, "same shape"),
        ({"weights": [1.0]}, "one value per month"),
        ({"weights": [0.0, 0.0]}, "at least one non-zero"),
        ({"stock": np.array([[1, 0], [1, 0]], bool), "weights": [0, 1]}, "empty in weighted"),
        ({"indicator": np.ones((1, 2), bool), "stock": np.ones((1, 2), bool)}, "two persons"),
    ],
)
def test_clustered_contrast_errors(kwargs: dict, message: str) -> None:
    args = {"indicator": np.ones((2, 2), bool), "stock": np.ones((2, 2), bool),
            "weights": [-1.0, 1.0]} | kwargs  # fmt: skip
    with pytest.raises(ValueError, match=message):
        stock.clustered_share_contrast(**args)


# --------------------------------------------------------------------------- against R
@pytest.fixture(scope="module")
def person_month() -> tuple[np.ndarray, np.ndarray]:
    pm = pd.read_csv(FIX / "person_month.csv")
    ids = pd.Index(sorted(pm["id"].unique()))
    y = np.zeros((len(ids), 4), bool)
    s = np.zeros((len(ids), 4), bool)
    r, c = ids.get_indexer(pm["id"]), pm["month"].to_numpy() - 1
    s[r, c] = True
    y[r, c] = pm["y"].to_numpy() == 1
    return y, s


def test_contrasts_equal_r_vcovcl(person_month) -> None:
    y, s = person_month
    n = s.sum(axis=0)
    weights = {
        "level_end": [0, 1 / 3, 1 / 3, 1 / 3],
        "change": [-1, 1 / 3, 1 / 3, 1 / 3],
        "change_last": [-1, 0, 0, 1],
        "count_change": [-n[0], n[1] / 3, n[2] / 3, n[3] / 3],
    }
    ref = pd.read_csv(FIX / "contrasts.csv").set_index("contrast")
    for name, w in weights.items():
        c = stock.clustered_share_contrast(y, s, w)
        assert c.estimate == pytest.approx(ref.loc[name, "estimate"], rel=1e-9, abs=1e-12), name
        assert c.se == pytest.approx(ref.loc[name, "se"], rel=1e-6), name
        assert c.n_persons == ref.loc[name, "persons"], name


def test_covariance_matrix_equals_r_vcovcl(person_month) -> None:
    y, s = person_month
    ref = pd.read_csv(FIX / "covariance_all_months.csv")
    c = stock.clustered_share_contrast(y, s, [1.0, 1.0, 1.0, 1.0])
    got = c.covariance[ref["month_i"] - 1, ref["month_j"] - 1]
    np.testing.assert_allclose(got, ref["covariance"], rtol=1e-6)
    np.testing.assert_allclose(c.shares[ref["month_i"] - 1], ref["share_i"], rtol=1e-9)


# --------------------------------------------------------------------------- coverage
def _simulate_panel(
    rng: np.random.Generator, reps: int, persons: int, pi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """reps x persons x months: a stock with turnover and a persistent outcome.

    The outcome is ``0.8 L_i + 0.6 e_ik > Phi^-1(1 - pi_k)``, so P(y_ik = 1) = pi_k in
    every month and a person's months correlate (0.64); the stock is independent of it:
    80 % are in the baseline month, each stays from month to month with probability 0.8,
    and newcomers fill up.
    """
    m = len(pi)
    s = np.zeros((reps, persons, m), bool)
    s[:, :, 0] = rng.random((reps, persons)) < 0.8
    for k in range(1, m):
        stay = s[:, :, k - 1] & (rng.random((reps, persons)) < 0.8)
        new = ~s[:, :, :k].any(axis=2) & (rng.random((reps, persons)) < 0.5)
        s[:, :, k] = stay | new
    latent = rng.normal(size=(reps, persons, 1))
    score = 0.8 * latent + 0.6 * rng.normal(size=(reps, persons, m))
    y = score > norm.ppf(1 - pi)[None, None, :]
    return y, s


def test_interval_coverage_by_simulation() -> None:
    """2,000 panels of 300 persons: the 95 % interval of the change from a baseline month
    to the average of three end months covers the truth in 95 % of them (Monte-Carlo
    standard error 0.5 percentage points; we accept 93.5-96.5 %). Treating the two
    months as independent samples over-covers, because the persons in both correlate."""
    rng = np.random.default_rng(20240611)
    pi = np.array([0.15, 0.36, 0.38, 0.40])
    w = np.array([-1, 1 / 3, 1 / 3, 1 / 3])
    truth = float(w @ pi)
    reps = 2000
    y, s = _simulate_panel(rng, reps, 300, pi)
    hit = np.zeros(reps, bool)
    naive = np.zeros(reps, bool)
    for r in range(reps):
        c = stock.clustered_share_contrast(y[r], s[r], w)
        hit[r] = c.lower <= truth <= c.upper
        # independent samples: Var(end level, clustered) + p0 (1 - p0) / n0
        lvl = stock.clustered_share_contrast(y[r], s[r], [0, 1 / 3, 1 / 3, 1 / 3])
        p0, n0 = c.shares[0], c.n[0]
        se = math.sqrt(lvl.se**2 + p0 * (1 - p0) / n0)
        naive[r] = abs(c.estimate - truth) <= 1.959964 * se
    coverage = hit.mean()
    assert 0.935 <= coverage <= 0.965, coverage
    assert naive.mean() > coverage + 0.02, (naive.mean(), coverage)


# --------------------------------------------------------------------------- the STV quantity
def _stv_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Five persons, baseline August 2020, end window October-November 2020.

    a: on benefit all months, praktik Aug and Nov      -> in Aug, Nov
    b: on benefit Aug-Nov, ordinary hours in October   -> in Oct
    c: on benefit in the weeks of August (leaves), praktik in Oct -> not at the end
    d: enters in October, småjob October-November      -> in Oct, Nov
    e: on benefit Aug-Nov, nothing                     -> never
    """
    p = pd.DataFrame({"person_id": list("abcde"), "target_group": "aktivitetsparat"})
    weeks = pd.date_range("2020-08-03", "2020-11-30", freq="7D")
    rows = []
    for pid in "abe":
        rows += [(pid, w, "kontanthjaelp", 0.0) for w in weeks]
    rows += [("c", w, "kontanthjaelp" if w.month == 8 else "selvforsoergende", 0.0) for w in weeks]
    rows += [("d", w, "kontanthjaelp" if w.month >= 10 and w.day > 4 else "selvforsoergende",
              0.0) for w in weeks]  # fmt: skip
    st = pd.DataFrame(rows, columns=["person_id", "week", "status", "hours"])
    st.loc[(st["person_id"] == "b") & (st["week"] == T("2020-10-12")), "hours"] = 6.0
    acts = pd.DataFrame({
        "person_id": ["a", "a", "c", "d"],
        "type": ["virksomhedspraktik", "virksomhedspraktik", "virksomhedspraktik", "smaajob"],
        "start_date": pd.to_datetime(["2020-08-03", "2020-11-02", "2020-10-05", "2020-10-12"]),
        "end_date": pd.to_datetime(["2020-08-21", "2020-11-13", "2020-10-30", "2020-11-20"]),
    })  # fmt: skip
    return p, st, acts


def test_stock_change_from_the_data_baseline_by_hand() -> None:
    p, st, acts = _stv_frames()
    end = stock.end_window("2020-10", "2020-11")
    r = stock.stock_change(p, st, acts, "aktivitetsparat", {"x": 1, "n": 5, "month": "2020-08"},
                           end)  # fmt: skip
    m = r.monthly.set_index(r.monthly["month"].dt.strftime("%Y-%m"))
    # stock: Aug a,b,c,e (d's first benefit week starts 5 Oct); Sep a,b,c,e (c's last
    # benefit week, Monday 31 August, runs into September); Oct/Nov a,b,d,e
    assert m["n"].to_dict() == {"2020-08": 4, "2020-09": 4, "2020-10": 4, "2020-11": 4}
    assert m["x"].to_dict() == {"2020-08": 1, "2020-09": 0, "2020-10": 2, "2020-11": 2}
    assert r.baseline_source == "data"
    assert r.baseline.estimate == pytest.approx(1 / 4)
    assert r.baseline_data.details["x"] == 1 and r.baseline_data.n == 4
    assert r.end_level.estimate == pytest.approx(0.5)
    assert r.change.estimate == pytest.approx(0.25)
    # the change by hand: weights -1 (Aug), 1/2 (Oct), 1/2 (Nov); persons a, b, c, d, e
    y = {"a": (1, 0, 1), "b": (0, 1, 0), "c": (0, None, None), "d": (None, 1, 1),
         "e": (0, 0, 0)}  # fmt: skip
    p0, p1, p2 = 1 / 4, 2 / 4, 2 / 4
    u = []
    for ya, yo, yn in y.values():
        ui = 0.0 if ya is None else -(ya - p0) / 4
        ui += 0.0 if yo is None else 0.5 * (yo - p1) / 4
        ui += 0.0 if yn is None else 0.5 * (yn - p2) / 4
        u.append(ui)
    se = math.sqrt(5 / 4 * sum(v * v for v in u))
    assert r.change.se == pytest.approx(se, rel=1e-12)
    # persons: mean end count 2 minus 1 at baseline
    assert r.count_change.estimate == pytest.approx(1.0)
    assert r.baseline_application["share"] == pytest.approx(0.2)


def test_stock_change_uses_the_application_figure_when_the_data_start_later() -> None:
    p, st, acts = _stv_frames()
    end = stock.end_window("2020-10", "2020-11")
    base = {"x": 45, "n": 197, "month": "2020-06"}  # before the data
    r = stock.stock_change(p, st, acts, "aktivitetsparat", base, end)
    assert r.baseline_source == "application" and r.baseline_data is None
    p0 = 45 / 197
    assert r.baseline.estimate == pytest.approx(p0)
    assert r.baseline.lower == pytest.approx(wilson(45, 197).lower)
    assert r.change.estimate == pytest.approx(0.5 - p0)
    assert r.change.se == pytest.approx(math.sqrt(r.end_level.se**2 + p0 * (1 - p0) / 197))
    assert r.count_change.estimate == pytest.approx(2 - 45)
    forced = stock.stock_change(p, st, acts, "aktivitetsparat", {"x": 1, "n": 5,
                                "month": "2020-08"}, end, use_data_baseline=False)  # fmt: skip
    assert forced.baseline_source == "application"
    assert forced.baseline.estimate == pytest.approx(0.2)


def test_stock_change_argument_errors() -> None:
    p, st, acts = _stv_frames()
    end = stock.end_window("2020-10", "2020-11")
    with pytest.raises(ValueError, match="has no default benefit"):
        stock.stock_change(p, st, acts, "gruppe 9", {"x": 1, "n": 5, "month": "2020-08"}, end)
    with pytest.raises(ValueError, match="baseline must have"):
        stock.stock_change(p, st, acts, "aktivitetsparat", {"x": 1, "n": 5}, end)
    with pytest.raises(ValueError, match="no participants in group"):
        stock.stock_change(p, st, acts, "jobparat", {"x": 1, "n": 5, "month": "2020-08"}, end)


def test_end_window_moves_back_to_the_cutoff() -> None:
    assert stock.end_window("2018-10", "2018-12").strftime("%Y-%m").tolist() == [
        "2018-10", "2018-11", "2018-12"]  # fmt: skip
    got = stock.end_window("2018-10", "2018-12", dt.date(2017, 10, 31))
    assert got.strftime("%Y-%m").tolist() == ["2017-08", "2017-09", "2017-10"]
    with pytest.raises(ValueError, match="lies before its first"):
        stock.end_window("2018-12", "2018-10")
    with pytest.raises(ValueError, match="expected a month written yyyy-mm"):
        stock.end_window("primo 2018", "2018-10")


def test_monthly_limits_are_the_clustered_interval_of_each_month() -> None:
    # the figure's band and the table's interval: each month's share with the same
    # person-clustered variance as the end level and the change (one month = weight 1)
    p, st, acts = _stv_frames()
    end = stock.end_window("2020-10", "2020-11")
    r = stock.stock_change(p, st, acts, "aktivitetsparat", {"x": 1, "n": 5, "month": "2020-08"},
                           end)  # fmt: skip
    months = pd.DatetimeIndex(r.monthly["month"])
    s = stock.monthly_stock(p, st, months, ["kontanthjaelp"])
    y = measures.monthly_activity(p, acts, st, months) & s
    for k in range(len(months)):
        w = np.zeros(len(months))
        w[k] = 1.0
        c = stock.clustered_share_contrast(y, s, w).to_estimate()
        assert r.monthly["lower"].iloc[k] == pytest.approx(c.lower, rel=1e-12)
        assert r.monthly["upper"].iloc[k] == pytest.approx(c.upper, rel=1e-12)
    # by hand for October: 2 of 4, Var = p (1 - p) / (n - 1) = 1/12, Wald
    oct_ = int(np.flatnonzero(months == T("2020-10-01"))[0])
    half = 1.959963984540054 * math.sqrt(0.25 / 3)
    assert r.monthly["lower"].iloc[oct_] == pytest.approx(0.5 - half, rel=1e-12)
    assert r.monthly["upper"].iloc[oct_] == pytest.approx(0.5 + half, rel=1e-12)
    # a month whose stock has fewer than two persons has no interval
    lo, hi = stock.monthly_clustered_interval(np.array([[True, True], [False, True]]),
                                              np.array([[True, True], [False, True]]))  # fmt: skip
    assert math.isnan(lo[0]) and math.isnan(hi[0]) and hi[1] == pytest.approx(1.0)
