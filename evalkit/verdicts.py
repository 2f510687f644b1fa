"""Verdicts: what an estimate, its interval and a target allow a report to say.

One rule for every success criterion (``docs/verdicts.md``):

* **Interval** (estimates with sampling uncertainty): "opfyldt" when the whole confidence
  interval lies on the right side of the target, "ikke opfyldt" when it lies on the wrong
  side, "usikkert" when it includes the target. "Usikkert" says which way the estimate
  points and, where it is cheap to compute (shares, differences of shares, O/E, Wald-type
  intervals), about how many persons would settle it at the same estimate; when the
  estimate equals the target, more data cannot settle it.
* **Exact**: a count from a register (``basis="register"``), a criterion covering the
  whole target group (``census: true`` in the YAML, ``basis="census"``) and a boundary
  target on a share (100 % "mindst" or 0 % "højst": met only when every person has it,
  ``basis="boundary"``) compare the estimate with the target directly.
* **Suppressed**: when a share is hidden (small cells), the verdict is published exactly
  when it is the same for every count consistent with what is published
  (:func:`suppressed_candidates`); otherwise "kan ikke afgøres (diskretionering)".

A status report judges progress against a path (:mod:`evalkit.progress`) with the same
rule and the words of :data:`PROGRESS_WORDS`.

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
JASA 22:209-212 (the score interval is the set of p with ``|p_hat - p| <= z sqrt(p (1 - p)
/ n)``, which gives :func:`n_to_settle_share` in closed form).
Newcombe RG (1998). Interval estimation for the difference between independent
proportions. Stat Med 17:873-890 (method 10).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from scipy import stats

from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_count, fmt_number

__all__ = [
    "BASES",
    "PROGRESS_WORDS",
    "VERDICTS",
    "Verdict",
    "judge_count",
    "judge_difference",
    "judge_exact",
    "judge_interval",
    "judge_ratio",
    "judge_share",
    "judge_suppressed",
    "n_to_settle_share",
    "n_to_settle_wald",
    "no_target",
    "suppressed_candidates",
    "undecidable",
]

VERDICTS = ("opfyldt", "ikke opfyldt", "usikkert", "kan ikke afgøres", "intet mål")
"""Every verdict a criterion can get, in the order reports list them."""

BASES = ("interval", "census", "register", "boundary", "none")
"""What a verdict rests on: the CI, an exact comparison (census, register count, a
boundary target), or nothing (no target, undecidable)."""

PROGRESS_WORDS = {
    "opfyldt": "på sporet",
    "ikke opfyldt": "ikke på sporet",
    "usikkert": "usikkert",
    "kan ikke afgøres": "kan ikke afgøres",
    "intet mål": "intet mål",
}
"""The words of a status report for the same verdicts, judged against the path."""

_DIRECTIONS = ("min", "max")
_TOL = 1e-12


@dataclass(frozen=True)
class Verdict:
    """A verdict on one criterion against one target (the end target or the path).

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`.
    basis : str
        One of :data:`BASES`: ``"interval"`` (the CI decides), ``"census"``,
        ``"register"`` or ``"boundary"`` (the estimate is compared exactly), ``"none"``.
    leaning : str or None
        For "usikkert": ``"opfyldt"`` or ``"ikke opfyldt"``, the side the estimate is on;
        None when the estimate equals the target (or is hidden and the sides differ).
    n_needed : int or None
        For "usikkert": about how many persons would settle it at the same estimate (the
        smallest n whose interval excludes the target); None where not computed.
    settleable : bool
        False when the estimate equals the target: no amount of data settles it.
    n_reachable : int or None
        Set when "opfyldt" cannot be reached at this n at all (a share whose target is so
        close to 100 % that even ``x = n`` leaves the target inside the interval): the
        smallest n at which ``x = n`` would give "opfyldt".
    suppressed : bool
        The estimate is hidden (small cells); the verdict holds for every hidden value.
    reason : str
        Why "kan ikke afgøres" (empty otherwise).
    direction : str
        ``"min"`` (the target is a floor) or ``"max"`` (a ceiling).
    """

    verdict: str
    basis: str = "interval"
    leaning: str | None = None
    n_needed: int | None = None
    settleable: bool = True
    n_reachable: int | None = None
    suppressed: bool = False
    reason: str = ""
    direction: str = "min"

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, but was {self.verdict!r}")
        if self.direction not in _DIRECTIONS:
            raise ValueError(f"direction must be 'min' or 'max', but was {self.direction!r}")
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}, but was {self.basis!r}")

    def text(self, progress: bool = False) -> str:
        """The verdict as the report prints it, e.g. ``"usikkert – peger mod opfyldt"``.

        ``progress=True`` uses the status report's words ("på sporet", ...).

        Examples
        --------
        >>> Verdict("usikkert", leaning="opfyldt").text()
        'usikkert – peger mod opfyldt'
        >>> Verdict("opfyldt").text(progress=True)
        'på sporet'
        """
        words = PROGRESS_WORDS if progress else {v: v for v in VERDICTS}
        out = words[self.verdict]
        if self.verdict == "usikkert" and self.leaning:
            out += f" – peger mod {words[self.leaning]}"
        if self.verdict == "kan ikke afgøres" and self.suppressed:
            out += " (diskretionering)"
        return out

    def remark(self, n: int = 0, target: str = "målet", threshold: int = 5) -> str:
        """A Danish remark that is true of this row (no hidden count is ever named).

        Parameters
        ----------
        n : int
            The number of persons behind the estimate (for the "more data" remark).
        target : str
            How to name what was compared with: ``"målet"`` or e.g. ``"delmålet"``.
        threshold : int
            The disclosure threshold (named when the estimate is hidden).
        """
        return _remark(self, n, target, threshold)

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields."""
        return asdict(self)


# --------------------------------------------------------------------------- checks
def _check_direction(direction: str) -> str:
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be 'min' or 'max', but was {direction!r}")
    return direction


def _check_target(target: float) -> float:
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        raise TypeError(f"target must be a number, but was {target!r}")
    if not math.isfinite(target):
        raise ValueError(f"target must be finite, but was {target!r}")
    return float(target)


def _z(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), but was {alpha!r}")
    return float(stats.norm.isf(alpha / 2))


def _met(estimate: float, target: float, direction: str) -> bool:
    if direction == "min":
        return estimate >= target - _TOL
    return estimate <= target + _TOL


def _equal(estimate: float, target: float) -> bool:
    return abs(estimate - target) <= _TOL * max(1.0, abs(target))


# --------------------------------------------------------------------------- the core rule
def no_target() -> Verdict:
    """The verdict of a criterion without a target: "intet mål"."""
    return Verdict("intet mål", basis="none")


def undecidable(reason: str, suppressed: bool = False) -> Verdict:
    """ "kan ikke afgøres" with the reason (a missing source, too few persons, ...)."""
    return Verdict("kan ikke afgøres", basis="none", reason=reason, suppressed=suppressed)


def judge_exact(
    estimate: float, target: float, direction: str = "min", basis: str = "census"
) -> Verdict:
    """Compare an exact figure with its target: "opfyldt" or "ikke opfyldt".

    For a register count, a census of the whole target group or a boundary target: there
    is no sampling uncertainty, so the estimate itself decides ("mindst" and "højst"
    include the target).

    Examples
    --------
    >>> judge_exact(76, 75, basis="register").verdict
    'opfyldt'
    >>> judge_exact(3, 3, "max", basis="register").verdict
    'opfyldt'
    """
    target = _check_target(target)
    _check_direction(direction)
    if basis not in ("census", "register", "boundary"):
        raise ValueError(f"basis must be 'census', 'register' or 'boundary', but was {basis!r}")
    if not math.isfinite(estimate):
        return undecidable("resultatet kunne ikke beregnes")
    met = _met(estimate, target, direction)
    return Verdict("opfyldt" if met else "ikke opfyldt", basis=basis, direction=direction)


def judge_interval(
    estimate: float,
    lower: float,
    upper: float,
    target: float,
    direction: str = "min",
    n_needed: int | None = None,
) -> Verdict:
    """The three-way rule: the interval against the target.

    Parameters
    ----------
    estimate, lower, upper : float
        The estimate and its confidence limits.
    target : float
    direction : {"min", "max"}
        ``min``: the target is a floor ("mindst"); ``max``: a ceiling ("højst").
    n_needed : int, optional
        Passed through to an "usikkert" verdict (see :func:`n_to_settle_share`).

    Returns
    -------
    Verdict
        "opfyldt" when the whole interval is on the right side (for ``min``:
        ``lower > target``), "ikke opfyldt" when it is on the wrong side (``upper <
        target``), else "usikkert" (the interval includes the target, its ends included)
        with the side the estimate is on.

    Examples
    --------
    >>> judge_interval(1.10, 0.77, 1.53, 1.0).text()
    'usikkert – peger mod opfyldt'
    >>> judge_interval(-0.13, -0.355, 0.171, -0.10, "max").text()
    'usikkert – peger mod opfyldt'
    >>> judge_interval(0.8, 0.62, 0.90, 0.5).verdict
    'opfyldt'
    """
    target = _check_target(target)
    _check_direction(direction)
    if not (math.isfinite(estimate) and math.isfinite(lower) and math.isfinite(upper)):
        return undecidable("resultatet eller dets konfidensinterval kunne ikke beregnes")
    above, below = lower > target, upper < target
    if above or below:
        met = above if direction == "min" else below
        return Verdict("opfyldt" if met else "ikke opfyldt", direction=direction)
    if _equal(estimate, target):
        return Verdict("usikkert", settleable=False, direction=direction)
    lean = "opfyldt" if _met(estimate, target, direction) else "ikke opfyldt"
    return Verdict("usikkert", leaning=lean, n_needed=n_needed, direction=direction)


def judge_count(x: float, target: float, direction: str = "min") -> Verdict:
    """A count from a register (company visits, courses bought, ...) against its target.

    The count is what happened, not a sample, so it is compared exactly (no interval).

    Examples
    --------
    >>> judge_count(76, 75).verdict, judge_count(74, 75).verdict
    ('opfyldt', 'ikke opfyldt')
    """
    return judge_exact(float(x), target, direction, basis="register")


# --------------------------------------------------------------------------- "more data"
def n_to_settle_share(p_hat: float, target: float, n: int, alpha: float = 0.05) -> int | None:
    """The smallest n at which a share ``p_hat`` would have a Wilson interval excluding ``target``.

    The Wilson interval is ``{p : |p_hat - p| <= z sqrt(p (1 - p) / n)}``, so it excludes
    the target once ``n > z^2 t (1 - t) / (p_hat - t)^2``. None when ``p_hat`` equals the
    target (never settled) or the target is 0 or 1 (see the boundary rule).

    Examples
    --------
    >>> n_to_settle_share(0.8, 0.75, 30)  # 1.96^2 * 0.75 * 0.25 / 0.05^2 = 288.1
    289
    """
    t = _check_target(target)
    if not 0 < t < 1 or abs(p_hat - t) <= _TOL:
        return None
    z = _z(alpha)
    m = z * z * t * (1 - t) / (p_hat - t) ** 2
    return max(int(n) + 1, math.floor(m) + 1)


def n_to_settle_wald(
    theta_hat: float, theta_target: float, se: float, n: int, alpha: float = 0.05
) -> int | None:
    """The n at which a Wald interval ``theta_hat ± z se`` would exclude the target.

    ``se`` shrinks as ``1 / sqrt(n)``, so the interval excludes ``theta_target`` once
    ``n' > n (z se / (theta_hat - theta_target))^2``. Use it on the scale the interval is
    symmetric on (e.g. ``log`` of a ratio of means). None when the estimate equals the
    target or ``se`` is not finite.

    Examples
    --------
    >>> n_to_settle_wald(0.3, 0.2, 0.1, 25)  # 25 * (1.96 * 0.1 / 0.1)^2 = 96.04
    97
    """
    if not (math.isfinite(se) and se > 0) or abs(theta_hat - theta_target) <= _TOL:
        return None
    z = _z(alpha)
    m = n * (z * se / (theta_hat - theta_target)) ** 2
    return max(int(n) + 1, math.floor(m) + 1)


def _bisect_scale(excludes: Callable[[float], bool], hi: float = 1e7) -> float | None:
    """Smallest factor k >= 1 with ``excludes(k)`` (monotone), to 0.1 %; None beyond ``hi``."""
    if not excludes(hi):
        return None
    lo_k, hi_k = 1.0, hi
    while hi_k / lo_k > 1.001:
        mid = math.sqrt(lo_k * hi_k)
        if excludes(mid):
            hi_k = mid
        else:
            lo_k = mid
    return hi_k


def _wilson_limits(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson limits for a (possibly non-integer) n at share p."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _newcombe(p1: float, n1: float, p0: float, n0: float, z: float) -> tuple[float, float]:
    l1, u1 = _wilson_limits(p1, n1, z)
    l0, u0 = _wilson_limits(p0, n0, z)
    d = p1 - p0
    return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt(
        (u1 - p1) ** 2 + (p0 - l0) ** 2
    )


def _excludes(lo: float, hi: float, target: float, direction: str, lean: str) -> bool:
    """Would the interval settle the verdict on the ``lean`` side?"""
    if (lean == "opfyldt") == (direction == "min"):
        return lo > target
    return hi < target


# --------------------------------------------------------------------------- shares
def suppressed_candidates(x: int, n: int, threshold: int) -> list[int]:
    """Every count consistent with what is published about a hidden share ``x / n``.

    A hidden share publishes why it is hidden (:func:`evalkit.disclosure.suppress_share`:
    "færre end 5 i tælleren" or "færre end 5 uden for andelen") and its n, so the hidden
    count is any ``x'`` in ``0..n`` with the same reason. Empty when the share is shown.

    Examples
    --------
    >>> suppressed_candidates(28, 30, 5)
    [26, 27, 28, 29]
    >>> suppressed_candidates(2, 30, 5)
    [1, 2, 3, 4]
    """
    shown = suppress_share(int(x), int(n), threshold)
    if not shown.suppressed:
        return []
    return [
        k for k in range(int(n) + 1) if suppress_share(k, int(n), threshold).reason == shown.reason
    ]


def judge_suppressed(candidates: Sequence[int], judge: Callable[[int], Verdict]) -> Verdict:
    """The verdict published for a hidden count: the same for every candidate, or none.

    Parameters
    ----------
    candidates : sequence of int
        Every value the hidden count could take (:func:`suppressed_candidates`).
    judge : callable
        The verdict for one value of the count.

    Returns
    -------
    Verdict
        With ``suppressed=True``: the common verdict (its leaning only when every candidate
        leans the same way; never ``n_needed``, which would reveal the estimate), or
        "kan ikke afgøres" with reason "diskretionering" when they differ.
    """
    if not candidates:
        raise ValueError("candidates must name at least one possible count, but was empty")
    verdicts = [judge(int(k)) for k in candidates]
    kinds = {v.verdict for v in verdicts}
    if len(kinds) > 1:
        return undecidable("diskretionering", suppressed=True)
    first = verdicts[0]
    leanings = {v.leaning for v in verdicts}
    reach = {v.n_reachable for v in verdicts}
    return replace(
        first,
        leaning=first.leaning if len(leanings) == 1 else None,
        n_needed=None,
        settleable=all(v.settleable for v in verdicts),
        n_reachable=first.n_reachable if len(reach) == 1 else None,
        suppressed=True,
    )


def _judge_share_shown(
    x: int, n: int, target: float, direction: str, census: bool, alpha: float
) -> Verdict:
    p = x / n
    z = _z(alpha)
    boundary = (direction == "min" and target >= 1) or (direction == "max" and target <= 0)
    if boundary:
        # "100 % of the participants" is a statement about every participant: met only by
        # x = n (and "højst 0 %" only by x = 0), whatever an interval would say.
        return judge_exact(p, target, direction, basis="boundary")
    if census:
        return judge_exact(p, target, direction, basis="census")
    lo, hi = _wilson_limits(p, n, z)
    v = judge_interval(
        p, lo, hi, target, direction, n_needed=n_to_settle_share(p, target, n, alpha)
    )
    if v.verdict == "usikkert":
        # Can "opfyldt" be reached at this n at all? The best case is x = n ("mindst")
        # or x = 0 ("højst").
        best = 1.0 if direction == "min" else 0.0
        blo, bhi = _wilson_limits(best, n, z)
        if not _excludes(blo, bhi, target, direction, "opfyldt"):
            need = z * z * (target / (1 - target) if direction == "min" else (1 - target) / target)
            v = replace(v, n_reachable=math.floor(need) + 1)
    return v


def judge_share(
    x: int,
    n: int,
    target: float | None,
    direction: str = "min",
    *,
    census: bool = False,
    alpha: float = 0.05,
    threshold: int | None = None,
) -> Verdict:
    """The verdict on a share ``x / n`` against its target.

    Parameters
    ----------
    x, n : int
        Persons with the outcome and persons counted (``n >= 1``).
    target : float or None
        The target share (None: "intet mål").
    direction : {"min", "max"}
    census : bool, default False
        The n persons are the whole target group (``census: true``): compare ``x / n``
        exactly.
    alpha : float, default 0.05
        1 - the level of the Wilson interval.
    threshold : int, optional
        The disclosure threshold. When the share is hidden (``suppress_share``), the
        verdict is the one every consistent count gives (:func:`judge_suppressed`).

    Returns
    -------
    Verdict

    Examples
    --------
    >>> judge_share(28, 30, 1.0).verdict  # a 100 % target is met only by x = n
    'ikke opfyldt'
    >>> judge_share(28, 30, 1.0, threshold=5).suppressed  # the same for 26..29 of 30
    True
    >>> v = judge_share(187, 187, 0.99)
    >>> v.text(), v.n_reachable
    ('usikkert – peger mod opfyldt', 381)
    """
    if isinstance(x, bool) or isinstance(n, bool) or int(n) < 1 or not 0 <= int(x) <= int(n):
        raise ValueError(
            f"x and n must be counts with 0 <= x <= n and n >= 1, but were {x!r}, {n!r}"
        )
    if target is None:
        return no_target()
    target = _check_target(target)
    _check_direction(direction)
    x, n = int(x), int(n)
    if threshold is not None:
        cands = suppressed_candidates(x, n, threshold)
        if cands:
            return judge_suppressed(
                cands, lambda k: _judge_share_shown(k, n, target, direction, census, alpha)
            )
    return _judge_share_shown(x, n, target, direction, census, alpha)


def judge_difference(
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    target: float | None,
    direction: str = "min",
    *,
    census: bool = False,
    alpha: float = 0.05,
    threshold: int | None = None,
) -> Verdict:
    """The verdict on a change ``x1/n1 - x0/n0`` (percentage points) against its target.

    The interval is Newcombe's hybrid score interval (as :func:`evalkit.baseline.
    share_difference`). ``n_needed`` is the total ``n1 + n0`` at which, with both counts
    scaled by the same factor and the same shares, the interval would exclude the
    target. With ``census=True`` the difference is compared exactly. With
    ``threshold``, a hidden ``x1 / n1`` is judged for every consistent ``x1``.

    Examples
    --------
    >>> judge_difference(130, 350, 51, 350, 0.25).text()
    'usikkert – peger mod ikke opfyldt'
    >>> judge_difference(130, 350, 51, 350, 0.25, census=True).verdict
    'ikke opfyldt'
    """
    for name, (a, b) in (("x1, n1", (x1, n1)), ("x0, n0", (x0, n0))):
        if int(b) < 1 or not 0 <= int(a) <= int(b):
            raise ValueError(
                f"{name} must be counts with 0 <= x <= n and n >= 1, but were {a!r}, {b!r}"
            )
    if target is None:
        return no_target()
    target = _check_target(target)
    _check_direction(direction)
    z = _z(alpha)
    p0 = int(x0) / int(n0)

    def one(k: int) -> Verdict:
        p1 = k / int(n1)
        if census:
            return judge_exact(p1 - p0, target, direction, basis="census")
        lo, hi = _newcombe(p1, int(n1), p0, int(n0), z)
        v = judge_interval(p1 - p0, lo, hi, target, direction)
        if v.verdict == "usikkert" and v.leaning:
            lean = v.leaning
            k_scale = _bisect_scale(
                lambda s: _excludes(
                    *_newcombe(p1, int(n1) * s, p0, int(n0) * s, z), target, direction, lean
                )
            )
            if k_scale is not None:
                total = int(n1) + int(n0)
                v = replace(v, n_needed=max(total + 1, math.ceil(total * k_scale)))
        return v

    if threshold is not None:
        cands = suppressed_candidates(int(x1), int(n1), threshold)
        if cands:
            return judge_suppressed(cands, one)
    return one(int(x1))


def judge_ratio(
    observed: float,
    expected: float,
    target: float | None,
    direction: str = "min",
    *,
    n: int = 0,
    alpha: float = 0.05,
) -> Verdict:
    """The verdict on O/E (one-sample log-rank) against its target, with the exact Poisson CI.

    The interval is ``chi2.ppf(alpha/2, 2 O) / (2 E)`` to ``chi2.isf(alpha/2, 2 O + 2) /
    (2 E)``. ``n_needed`` scales O, E and the n persons by the same factor until the
    interval excludes the target (as if more persons with the same exit pattern were
    followed).

    Examples
    --------
    >>> judge_ratio(33, 30, 1.0, n=40).text()
    'usikkert – peger mod opfyldt'
    """
    if target is None:
        return no_target()
    target = _check_target(target)
    _check_direction(direction)
    if not (observed >= 0 and expected > 0):
        raise ValueError(
            f"observed must be >= 0 and expected > 0, but were {observed!r}, {expected!r}"
        )

    def limits(o: float, e: float) -> tuple[float, float]:
        lo = float(stats.chi2.ppf(alpha / 2, 2 * o) / 2 / e) if o > 0 else 0.0
        return lo, float(stats.chi2.isf(alpha / 2, 2 * o + 2) / 2 / e)

    lo, hi = limits(observed, expected)
    v = judge_interval(observed / expected, lo, hi, target, direction)
    if v.verdict == "usikkert" and v.leaning and n > 0:
        lean = v.leaning
        k = _bisect_scale(
            lambda s: _excludes(*limits(observed * s, expected * s), target, direction, lean)
        )
        if k is not None:
            v = replace(v, n_needed=max(int(n) + 1, math.ceil(n * k)))
    return v


# --------------------------------------------------------------------------- remarks
def _persons(n: int) -> str:
    return f"{fmt_number(n)} {'person' if n == 1 else 'personer'}"


def _remark(v: Verdict, n: int, target: str, threshold: int) -> str:
    parts: list[str] = []
    if v.suppressed:
        why = v.reason if v.verdict == "kan ikke afgøres" else ""
        if why == "diskretionering":
            return (
                "resultatet er skjult af hensyn til diskretionering (små tal), og vurderingen "
                "afhænger af den skjulte værdi"
            )
        parts.append(
            "resultatet er skjult af hensyn til diskretionering (små tal); vurderingen er den "
            "samme for alle værdier, det skjulte tal kan have"
        )
    if v.verdict in ("kan ikke afgøres", "intet mål"):
        return "; ".join([*parts, v.reason]) if v.reason else "; ".join(parts)
    if v.basis == "register":
        parts.append(
            f"registeropgørelse uden stikprøveusikkerhed, sammenlignet direkte med {target}"
        )
    elif v.basis == "census":
        parts.append(
            "hele målgruppen er opgjort (totaltælling), så resultatet sammenlignes direkte med "
            f"{target} uden stikprøveusikkerhed"
        )
    elif v.basis == "boundary":
        parts.append(
            f"{target} kan kun nås, hvis det gælder for alle personer"
            + (", og det gør det" if v.verdict == "opfyldt" else ", og det gør det ikke")
        )
    elif v.verdict == "usikkert":
        parts.append(f"konfidensintervallet omfatter {target}")
    elif not v.suppressed:
        above = (v.verdict == "opfyldt") == (v.direction == "min")
        parts.append(f"hele konfidensintervallet ligger {'over' if above else 'under'} {target}")
    if v.verdict == "usikkert":
        if not v.settleable:
            parts.append(f"resultatet er lig med {target}; det kan ikke afgøres med mere data")
        elif v.n_needed is not None and not v.suppressed:
            parts.append(
                f"med samme resultat ville ca. {_persons(v.n_needed)} (nu {fmt_count(n)}) "
                "være nok til at afgøre det"
            )
        if v.n_reachable is not None:
            parts.append(
                f"med {fmt_count(n)} personer kan {target} ikke bekræftes, selv hvis alle "
                f"opfylder det; det kræver mindst {_persons(v.n_reachable)}"
            )
    return "; ".join(parts)
