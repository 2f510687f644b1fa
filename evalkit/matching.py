"""Greedy nearest-neighbour matching on the logit of the propensity score.

:func:`match_nearest` pairs each participant with the nearest non-participant(s), as R
``MatchIt`` (``method = "nearest"``, ``m.order = "largest"``, caliper in standard
deviations); :func:`matched_weights` turns the pairs into ATT weights for
:func:`evalkit.compare.balance_table` and weighted estimates. Both are re-exported by
:mod:`evalkit.compare`. Conventions are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit._checks import check_dataframe, check_positive_int
from evalkit._propensity import _fit_propensity, _prepare

__all__ = ["match_nearest", "matched_weights"]


def _find(parent: list[int], i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def _greedy_match(
    lt: np.ndarray, lc: np.ndarray, width: float, ratio: int, replace: bool
) -> list[tuple[int, int, int]]:
    """Greedy nearest-neighbour matching on sorted unique control values.

    Returns (treated position, control position, round) triples. Treated units are
    processed by decreasing score (ties: row order); a treated unit without a control
    within ``width`` in round 1 stays unmatched. Equal distances go to the smaller
    control value, equal control values to the earlier row.
    """
    uniq, inverse = np.unique(lc, return_inverse=True)
    n_u = len(uniq)
    queues: list[list[int]] = [[] for _ in range(n_u)]
    for pos in np.argsort(inverse, kind="stable"):
        queues[inverse[pos]].append(int(pos))
    heads = [0] * n_u
    u = uniq.tolist()
    ins_all = np.searchsorted(uniq, lt, side="left").tolist()
    order = np.argsort(-lt, kind="stable").tolist()
    out: list[tuple[int, int, int]] = []
    if replace:
        for i in order:
            x, lo, hi, taken = lt[i], ins_all[i] - 1, ins_all[i], 0
            head_lo = head_hi = 0
            while taken < ratio and (lo >= 0 or hi < n_u):
                d_lo = x - u[lo] if lo >= 0 else math.inf
                d_hi = u[hi] - x if hi < n_u else math.inf
                j, d = (lo, d_lo) if d_lo <= d_hi else (hi, d_hi)
                if d > width:
                    break
                head = head_lo if j == lo else head_hi
                out.append((i, queues[j][head], taken + 1))
                taken += 1
                if j == lo:
                    head_lo += 1
                    if head_lo == len(queues[lo]):
                        lo, head_lo = lo - 1, 0
                else:
                    head_hi += 1
                    if head_hi == len(queues[hi]):
                        hi, head_hi = hi + 1, 0
        return out
    left = list(range(n_u + 1))  # position j + 1 stands for unique j; 0 means none left
    right = list(range(n_u + 1))  # position n_u means none right
    active = order
    for rnd in range(1, ratio + 1):
        still = []
        for i in active:
            x, ins = lt[i], ins_all[i]
            lo = _find(left, ins) - 1
            hi = _find(right, ins)
            if lo < 0 and hi >= n_u:
                break  # no control left
            d_lo = x - u[lo] if lo >= 0 else math.inf
            d_hi = u[hi] - x if hi < n_u else math.inf
            j, d = (lo, d_lo) if d_lo <= d_hi else (hi, d_hi)
            if d > width:
                continue
            out.append((i, queues[j][heads[j]], rnd))
            heads[j] += 1
            if heads[j] == len(queues[j]):
                left[j + 1], right[j] = j, j + 1
            still.append(i)
        active = still
    return out


def match_nearest(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    caliper: float | None = 0.2,
    ratio: int = 1,
    replace: bool = False,
) -> pd.DataFrame:
    """Greedy nearest-neighbour matching on the logit of the propensity score.

    Each treated person (in order of decreasing propensity score, ties by row order, as
    R ``MatchIt`` ``m.order = "largest"``) gets the nearest control on the logit scale.
    With ``ratio = k`` the matching runs in k rounds, each treated person taking one more
    control per round. Without replacement a control is used once. Ties in distance go to
    the control with the smaller logit, then to the earlier row, so the result is fully
    deterministic. A treated person whose nearest available control is further away than
    the caliper stays unmatched.

    Parameters
    ----------
    data, treatment, covariates
        As :func:`propensity_score`.
    caliper : float or None, default 0.2
        Maximum distance in standard deviations of the logit of the propensity score
        over the whole sample (MatchIt's ``std.caliper = TRUE``; Austin 2011 recommends
        0.2). ``None`` for no caliper.
    ratio : int, default 1
        Controls per treated person.
    replace : bool, default False
        Allow a control to be matched to more than one treated person.

    Returns
    -------
    DataFrame
        One row per matched pair: ``treated`` and ``control`` (index labels of
        ``data``), ``round``, ``logit_treated``, ``logit_control``, ``distance``
        (absolute difference of the logits). ``attrs`` holds ``caliper_width``,
        ``n_treated`` and ``n_matched_treated``. Use :func:`matched_weights` for weights.

    Raises
    ------
    ValueError
        As :func:`propensity_score`, a negative caliper, or ``ratio < 1``.

    References
    ----------
    Austin PC (2011). Optimal caliper widths for propensity-score matching when estimating
    differences in means and differences in proportions in observational studies. Pharm
    Stat 10:150-161. Ho D, Imai K, King G, Stuart EA (2011). MatchIt. J Stat Softw 42(8).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1, 0, 0], "age": [30, 40, 50, 35, 45, 38, 33, 41]})
    >>> len(match_nearest(df, "t", ["age"], caliper=None))
    3
    """
    ratio = check_positive_int(ratio, "ratio")
    if not isinstance(replace, (bool, np.bool_)):
        raise TypeError(f"replace must be True or False, but was {replace!r}")
    if caliper is not None:
        if isinstance(caliper, bool) or not isinstance(caliper, (int, float, np.number)):
            raise TypeError(f"caliper must be a number or None, but was {caliper!r}")
        if not (caliper > 0 and math.isfinite(caliper)):
            raise ValueError(f"caliper must be positive and finite, but was {caliper!r}")
    t, covs = _prepare(data, treatment, covariates)
    fit, _ = _fit_propensity(data, t, covs)
    ps = np.asarray(fit.fittedvalues)
    logit = np.log(ps / (1 - ps))
    width = math.inf if caliper is None else float(caliper) * float(np.std(logit, ddof=1))
    pos_t, pos_c = np.flatnonzero(t), np.flatnonzero(~t)
    pairs = _greedy_match(logit[pos_t], logit[pos_c], width, ratio, bool(replace))
    pairs.sort(key=lambda p: (p[0], p[2]))
    ti = pos_t[[p[0] for p in pairs]] if pairs else np.array([], dtype=int)
    ci = pos_c[[p[1] for p in pairs]] if pairs else np.array([], dtype=int)
    out = pd.DataFrame(
        {
            "treated": data.index[ti],
            "control": data.index[ci],
            "round": np.array([p[2] for p in pairs], dtype=int),
            "logit_treated": logit[ti],
            "logit_control": logit[ci],
        }
    )
    out["distance"] = (out["logit_treated"] - out["logit_control"]).abs()
    out.attrs = {
        "caliper_width": width,
        "n_treated": int(t.sum()),
        "n_matched_treated": int(out["treated"].nunique()),
    }
    return out


def matched_weights(data: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Weights that turn a matching into a weighted sample (as R ``MatchIt``, ATT).

    Matched treated persons get 1, unmatched persons 0, and a control the sum over its
    treated partners of ``1 / (number of controls matched to that treated person)``; the
    control weights then sum to the number of matched treated persons.

    Parameters
    ----------
    data : DataFrame
        The data given to :func:`match_nearest`.
    pairs : DataFrame
        Its result.

    Returns
    -------
    Series
        Weights indexed like ``data``, named ``"match_weight"``.

    Raises
    ------
    ValueError
        If ``pairs`` lacks the ``treated``/``control`` columns or names rows not in ``data``.

    References
    ----------
    Ho, Imai, King, Stuart (2011), MatchIt, J Stat Softw 42(8), section on weights.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1, 0, 0], "age": [30, 40, 50, 35, 45, 38, 33, 41]})
    >>> float(matched_weights(df, match_nearest(df, "t", ["age"], caliper=None)).sum())
    6.0
    """
    check_dataframe(data, {})
    for col in ("treated", "control"):
        if not isinstance(pairs, pd.DataFrame) or col not in pairs.columns:
            raise ValueError(f"pairs must be the result of match_nearest, with column {col!r}")
    labels = pd.Index(pairs["treated"]).append(pd.Index(pairs["control"]))
    if not labels.isin(data.index).all():
        raise ValueError("pairs names rows that are not in data")
    w = pd.Series(0.0, index=data.index, name="match_weight")
    if len(pairs) == 0:
        return w
    k = pairs.groupby("treated")["control"].transform("size")
    contrib = (1.0 / k).groupby(pairs["control"].to_numpy()).sum()
    w.loc[pairs["treated"].unique()] = 1.0
    w.loc[contrib.index] += contrib.to_numpy()
    return w
