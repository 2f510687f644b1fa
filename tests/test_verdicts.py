"""The verdict rule (evalkit.verdicts): every branch, boundary targets, suppression."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from evalkit import verdicts as vd
from evalkit.baseline import share_difference, wilson
from evalkit.survival import logrank_one_sample

Z = float(stats.norm.isf(0.025))


# --------------------------------------------------------------------------- the core rule
@pytest.mark.parametrize(
    ("est", "lo", "hi", "target", "direction", "verdict", "leaning"),
    [
        (0.8, 0.62, 0.90, 0.5, "min", "opfyldt", None),  # whole CI above a floor
        (0.3, 0.20, 0.45, 0.5, "min", "ikke opfyldt", None),  # whole CI below a floor
        (0.6, 0.45, 0.75, 0.5, "min", "usikkert", "opfyldt"),
        (0.4, 0.25, 0.55, 0.5, "min", "usikkert", "ikke opfyldt"),
        (0.3, 0.20, 0.45, 0.5, "max", "opfyldt", None),  # whole CI below a ceiling
        (0.8, 0.62, 0.90, 0.5, "max", "ikke opfyldt", None),
        (0.4, 0.25, 0.55, 0.5, "max", "usikkert", "opfyldt"),
        (0.6, 0.45, 0.75, 0.5, "max", "usikkert", "ikke opfyldt"),
        (0.6, 0.50, 0.70, 0.5, "min", "usikkert", "opfyldt"),  # a limit on the target
        (0.4, 0.30, 0.50, 0.5, "min", "usikkert", "ikke opfyldt"),
        # the issue's examples (Ærø): O/E 1,10 (0,77 til 1,53) against 1 and
        # -13,0 % (-35,5 % til 17,1 %) against "højst -10 %"
        (1.10, 0.77, 1.53, 1.0, "min", "usikkert", "opfyldt"),
        (-0.13, -0.355, 0.171, -0.10, "max", "usikkert", "opfyldt"),
    ],
)
def test_interval_rule(est, lo, hi, target, direction, verdict, leaning) -> None:
    v = vd.judge_interval(est, lo, hi, target, direction)
    assert (v.verdict, v.leaning, v.basis) == (verdict, leaning, "interval")
    text = v.text()
    assert text == (f"usikkert – peger mod {leaning}" if leaning else verdict)


def test_estimate_on_the_target_cannot_be_settled_by_more_data() -> None:
    v = vd.judge_interval(0.5, 0.4, 0.6, 0.5)
    assert v.verdict == "usikkert" and v.leaning is None and not v.settleable
    assert "kan ikke afgøres med mere data" in v.remark(40)
    assert vd.n_to_settle_share(0.5, 0.5, 40) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_missing_interval_cannot_be_decided(bad: float) -> None:
    v = vd.judge_interval(0.5, bad, 0.7, 0.4)
    assert v.verdict == "kan ikke afgøres" and v.basis == "none" and v.reason


@pytest.mark.parametrize(
    ("est", "target", "direction", "basis", "verdict"),
    [
        (76, 75, "min", "register", "opfyldt"),
        (75, 75, "min", "register", "opfyldt"),  # "mindst 75" includes 75
        (74, 75, "min", "register", "ikke opfyldt"),
        (1, 3, "max", "register", "opfyldt"),  # a rank: "among the three lowest"
        (4, 3, "max", "register", "ikke opfyldt"),
        (0.2257, 0.25, "min", "census", "ikke opfyldt"),
        (0.2257, 0.20, "min", "census", "opfyldt"),
    ],
)
def test_exact_comparisons(est, target, direction, basis, verdict) -> None:
    v = vd.judge_exact(est, target, direction, basis=basis)
    assert (v.verdict, v.basis, v.leaning, v.n_needed) == (verdict, basis, None, None)
    assert "interval" not in v.remark(10)  # no remark about an interval that is not there


def test_register_count_is_exact_without_interval() -> None:
    v = vd.judge_count(39, 75)
    assert v.verdict == "ikke opfyldt" and v.basis == "register"
    assert "registeropgørelse uden stikprøveusikkerhed" in v.remark()


def test_no_target_and_undecidable() -> None:
    assert vd.no_target().text() == "intet mål"
    v = vd.undecidable("datakilden 'survey' findes ikke")
    assert v.text() == "kan ikke afgøres" and v.remark() == "datakilden 'survey' findes ikke"
    assert vd.judge_share(3, 10, None).verdict == "intet mål"


def test_progress_words() -> None:
    assert vd.Verdict("opfyldt").text(progress=True) == "på sporet"
    assert vd.Verdict("ikke opfyldt").text(progress=True) == "ikke på sporet"
    v = vd.Verdict("usikkert", leaning="ikke opfyldt")
    assert v.text(progress=True) == "usikkert – peger mod ikke på sporet"
    assert vd.undecidable("diskretionering", suppressed=True).text() == (
        "kan ikke afgøres (diskretionering)"
    )


# --------------------------------------------------------------------------- shares
@pytest.mark.parametrize(("x", "n", "target"), [(24, 30, 0.75), (12, 20, 0.5), (28, 40, 0.68),
                                                 (23, 30, 0.9), (33, 37, 0.9)])  # fmt: skip
def test_share_uses_wilson_and_its_n_to_settle(x: int, n: int, target: float) -> None:
    ref = wilson(x, n)
    v = vd.judge_share(x, n, target)
    assert v.verdict == vd.judge_interval(x / n, ref.lower, ref.upper, target).verdict
    if v.verdict != "usikkert":
        return
    need = v.n_needed
    assert need == vd.n_to_settle_share(x / n, target, n) and need > n
    # closed form: the Wilson interval at the same share excludes the target from n = need
    p = x / n
    lo, hi = vd._wilson_limits(p, need, Z)
    lo1, hi1 = vd._wilson_limits(p, need - 1, Z)
    assert not lo <= target <= hi
    assert lo1 <= target <= hi1


def test_wilson_limits_for_whole_counts_equal_baseline_wilson() -> None:
    for x, n in ((0, 7), (3, 7), (7, 7), (81, 263)):
        ref = wilson(x, n)
        lo, hi = vd._wilson_limits(x / n, n, Z)
        assert lo == pytest.approx(ref.lower, abs=1e-12) and hi == pytest.approx(
            ref.upper, abs=1e-12
        )


@pytest.mark.parametrize(
    ("x", "n", "target", "direction", "verdict"),
    [
        (30, 30, 1.0, "min", "opfyldt"),  # a 100 % target is met only by x = n ...
        (29, 30, 1.0, "min", "ikke opfyldt"),  # ... and missed by anything less
        (0, 30, 0.0, "max", "opfyldt"),  # "højst 0 %"
        (1, 30, 0.0, "max", "ikke opfyldt"),
    ],
)
def test_boundary_targets_are_exact(x, n, target, direction, verdict) -> None:
    v = vd.judge_share(x, n, target, direction)
    assert (v.verdict, v.basis) == (verdict, "boundary")
    assert "kan kun nås, hvis det gælder for alle" in v.remark(n)


def test_a_99_percent_target_at_n_187_says_why_it_cannot_be_confirmed() -> None:
    # Even 187 of 187 leaves 99 % inside the Wilson interval (lower limit 98,0 %):
    # "opfyldt" needs n > 1.96^2 * 0.99 / 0.01 = 380.3, i.e. 381 persons.
    v = vd.judge_share(187, 187, 0.99)
    assert v.verdict == "usikkert" and v.n_reachable == 381
    assert wilson(187, 187).lower < 0.99 and wilson(381, 381).lower > 0.99
    assert wilson(380, 380).lower < 0.99
    assert "kan målet ikke bekræftes, selv hvis alle opfylder det" in v.remark(187)
    assert "mindst 381 personer" in v.remark(187)
    # far below, "ikke opfyldt" can still be reached at n = 187
    assert vd.judge_share(170, 187, 0.99).verdict == "ikke opfyldt"
    # a census of the same numbers is compared exactly
    assert vd.judge_share(186, 187, 0.99, census=True).verdict == "opfyldt"


def test_census_share_is_exact() -> None:
    v = vd.judge_share(21, 30, 0.68, census=True)
    assert (v.verdict, v.basis) == ("opfyldt", "census")
    assert "totaltælling" in v.remark(30)


# --------------------------------------------------------------------------- suppression
def test_candidates_follow_what_is_published() -> None:
    assert vd.suppressed_candidates(28, 30, 5) == [26, 27, 28, 29]
    assert vd.suppressed_candidates(3, 30, 5) == [1, 2, 3, 4]
    assert vd.suppressed_candidates(15, 30, 5) == []
    assert vd.suppressed_candidates(35, 37, 3) == [35, 36]  # threshold 3: complement 1..2


def test_praktik_100_percent_missed_for_every_hidden_count() -> None:
    # the issue's example: 28 of 30 had a praktik; the share is hidden (2 without), and
    # the 100 % target is missed for any of 1..4 without, so "ikke opfyldt" is published
    v = vd.judge_share(28, 30, 1.0, threshold=5)
    assert v.suppressed and (v.verdict, v.basis) == ("ikke opfyldt", "boundary")
    assert v.n_needed is None
    remark = v.remark(30)
    assert "diskretionering" in remark and "28" not in remark and "2 " not in remark


def test_hidden_share_publishes_usikkert_without_its_leaning() -> None:
    # Hedensted: 33 of 37 against 90 %; every value 33..36 has 90 % inside its interval,
    # but 33/37 leans "ikke opfyldt" and 36/37 "opfyldt": no leaning, no n to settle
    v = vd.judge_share(33, 37, 0.9, threshold=5)
    assert v.suppressed and v.verdict == "usikkert" and v.leaning is None
    assert v.text() == "usikkert" and v.n_needed is None
    assert all(vd.judge_share(k, 37, 0.9).verdict == "usikkert" for k in range(33, 37))


def test_hidden_share_whose_verdict_depends_on_it_is_withheld() -> None:
    # 139..142 of 143 against 99 %: 139/143 has its whole interval under 99 %, 142/143 not
    v = vd.judge_share(141, 143, 0.99, threshold=5)
    assert v.verdict == "kan ikke afgøres" and v.suppressed
    assert v.text() == "kan ikke afgøres (diskretionering)"
    assert {vd.judge_share(k, 143, 0.99).verdict for k in range(139, 143)} == {
        "ikke opfyldt",
        "usikkert",
    }


def test_judge_suppressed_needs_candidates() -> None:
    with pytest.raises(ValueError, match="candidates must name at least one"):
        vd.judge_suppressed([], lambda k: vd.Verdict("opfyldt"))


# --------------------------------------------------------------------------- differences, O/E
@pytest.mark.parametrize(("x1", "n1", "x0", "n0"), [(130, 350, 51, 350), (9, 20, 51, 350),
                                                     (45, 197, 45, 197), (0, 10, 3, 12)])  # fmt: skip
def test_newcombe_limits_equal_share_difference(x1, n1, x0, n0) -> None:
    ref = share_difference(x1, n1, x0, n0)
    lo, hi = vd._newcombe(x1 / n1, n1, x0 / n0, n0, Z)
    assert lo == pytest.approx(ref.lower, abs=1e-12) and hi == pytest.approx(ref.upper, abs=1e-12)


def test_difference_verdict_and_data_to_settle() -> None:
    v = vd.judge_difference(130, 350, 51, 350, 0.25)
    assert v.text() == "usikkert – peger mod ikke opfyldt"
    k = v.n_needed / 700  # both counts scaled by k: the interval then excludes +25 pp
    _lo, hi = vd._newcombe(130 / 350, 350 * k, 51 / 350, 350 * k, Z)
    assert hi < 0.25
    _lo, hi = vd._newcombe(130 / 350, 350 * k * 0.99, 51 / 350, 350 * k * 0.99, Z)
    assert hi >= 0.25
    census = vd.judge_difference(130, 350, 51, 350, 0.2, census=True)
    assert (census.verdict, census.basis) == ("opfyldt", "census")


def test_hidden_later_share_of_a_difference() -> None:
    # 2 of 30 now (hidden), against +25 pp from 51 of 350: missed for any of 1..4
    v = vd.judge_difference(2, 30, 51, 350, 0.25, threshold=5)
    assert v.suppressed and v.verdict == "ikke opfyldt"


def test_ratio_uses_the_exact_poisson_interval_of_logrank() -> None:
    durations = [3, 5, 8, 8, 10, 12, 15, 20, 22, 26] * 4
    events = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1] * 4
    import pandas as pd

    ref_curve = pd.DataFrame({"week": range(0, 53), "survival": [0.985**w for w in range(53)]})
    res = logrank_one_sample(durations, events, ref_curve)
    v = vd.judge_ratio(res.observed, res.expected, 1.0, n=40)
    direct = vd.judge_interval(res.ratio, res.ratio_lower, res.ratio_upper, 1.0)
    assert (v.verdict, v.leaning) == (direct.verdict, direct.leaning)
    if v.verdict == "usikkert":
        k = v.n_needed / 40
        lo = stats.chi2.ppf(0.025, 2 * res.observed * k) / 2 / (res.expected * k)
        hi = stats.chi2.isf(0.025, 2 * res.observed * k + 2) / 2 / (res.expected * k)
        assert not lo <= 1.0 <= hi


def test_ratio_example_from_the_issue() -> None:
    # Ærø-like: 33 exits where 30 were expected -> O/E 1,10, interval includes 1
    v = vd.judge_ratio(33, 30, 1.0, n=40)
    assert v.text() == "usikkert – peger mod opfyldt" and v.n_needed > 40


def test_wald_n_to_settle() -> None:
    assert vd.n_to_settle_wald(0.3, 0.2, 0.1, 25) == 97
    assert vd.n_to_settle_wald(0.3, 0.3, 0.1, 25) is None
    assert vd.n_to_settle_wald(0.3, 0.2, math.nan, 25) is None


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: vd.judge_interval(0.5, 0.4, 0.6, 0.5, "up"), ValueError, "direction must be"),
        (lambda: vd.judge_interval(0.5, 0.4, 0.6, "0.5"), TypeError, "target must be a number"),
        (lambda: vd.judge_interval(0.5, 0.4, 0.6, math.nan), ValueError, "target must be finite"),
        (lambda: vd.judge_share(5, 4, 0.5), ValueError, "0 <= x <= n"),
        (lambda: vd.judge_share(1, 4, 0.5, alpha=1.5), ValueError, "alpha must be in"),
        (lambda: vd.judge_exact(1, 2, basis="sample"), ValueError, "basis must be"),
        (lambda: vd.judge_difference(1, 0, 1, 2, 0.1), ValueError, "x1, n1 must be counts"),
        (lambda: vd.judge_ratio(3, 0, 1.0), ValueError, "expected > 0"),
        (lambda: vd.Verdict("maybe"), ValueError, "verdict must be one of"),
        (lambda: vd.Verdict("opfyldt", basis="guess"), ValueError, "basis must be one of"),
    ],
)
def test_bad_input_is_named(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
