"""Sufficient statistics of the survival estimators, added up block by block.

Kaplan-Meier, Nelson-Aalen and the log-rank tests need only, for each group and whole
week ``t``, the number of spells that end at ``t`` (``exits``), how many of them end with
the event (``events``) and, for left truncation, how many enter the risk sets after
``t`` (``entries``: spells with ``entry == t``). :class:`SurvivalCounts` holds these
histograms; :meth:`SurvivalCounts.add` adds a block of spells and
:meth:`SurvivalCounts.merge` adds another instance, so a national panel is reduced to a
few kilobytes however many persons it has. The estimators computed from the counts
(:meth:`~SurvivalCounts.kaplan_meier`, :meth:`~SurvivalCounts.nelson_aalen`,
:meth:`~SurvivalCounts.logrank`, :meth:`~SurvivalCounts.one_sample`) equal
:mod:`evalkit.survival` on the concatenated spells (``tests/test_columnar.py``), which is
tested against R.

The spells used are those of :func:`evalkit.spells.survival_input`: ``duration > entry``
(a spell that ended before its first observed week is left out); a row is at risk at
``t`` when ``entry < t <= duration``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SurvivalCounts"]


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    return a if a.shape[-1] >= n else np.pad(a, (0, n - a.shape[-1]))


@dataclass
class SurvivalCounts:
    """Events, exits and delayed entries by group and week (additive over blocks).

    Attributes
    ----------
    counts : dict
        Group key -> int64 array of shape (3, T): rows ``events``, ``exits`` and
        ``entries`` by week ``0..T-1``.
    """

    counts: dict[Hashable, np.ndarray] = field(default_factory=dict)

    def add(
        self,
        duration: np.ndarray,
        event: np.ndarray,
        entry: np.ndarray,
        groups: Sequence[Hashable] | np.ndarray | None = None,
    ) -> SurvivalCounts:
        """Add a block of spells (in place; returns self).

        Parameters
        ----------
        duration, event, entry : ndarray, shape (n,)
            As in the spells table (``entry`` -1 when at risk from week 0).
        groups : array_like of hashable, shape (n,), optional
            Group key of each spell (e.g. tuples of target group and start quarter);
            default one group ``"alle"``.
        """
        duration = np.asarray(duration, np.int64)
        event = np.asarray(event, np.int64)
        entry = np.asarray(entry, np.int64)
        if duration.size and duration.min() < 0:
            raise ValueError("durations must be non-negative")
        if groups is None:
            codes, keys = np.zeros(duration.size, np.int64), ["alle"]
        else:
            codes, uniq = pd.factorize(pd.Series(list(groups), dtype=object), sort=False)
            keys = list(uniq)
        return self.add_codes(duration, event, entry, codes, keys)

    def add_codes(
        self,
        duration: np.ndarray,
        event: np.ndarray,
        entry: np.ndarray,
        codes: np.ndarray,
        keys: Sequence[Hashable],
    ) -> SurvivalCounts:
        """As :meth:`add`, with the groups given as integer codes into ``keys``."""
        duration = np.asarray(duration, np.int64)
        event = np.asarray(event, np.int64)
        entry = np.asarray(entry, np.int64)
        codes = np.asarray(codes, np.int64)
        keep = duration > entry
        codes, duration, event, entry = codes[keep], duration[keep], event[keep], entry[keep]
        t_max = int(max(duration.max(initial=0), entry.max(initial=0))) + 1
        g = len(keys)
        cell = codes * t_max
        ev = np.bincount(cell[event == 1] + duration[event == 1], minlength=g * t_max)
        ex = np.bincount(cell + duration, minlength=g * t_max)
        late = entry >= 0
        en = np.bincount(cell[late] + entry[late], minlength=g * t_max)
        block = np.stack([ev, ex, en]).reshape(3, g, t_max).transpose(1, 0, 2)
        for i, key in enumerate(keys):
            self._add_one(key, block[i])
        return self

    def _add_one(self, key: Hashable, arr: np.ndarray) -> None:
        old = self.counts.get(key)
        if old is None:
            self.counts[key] = arr.astype(np.int64).copy()
            return
        if old.shape[1] >= arr.shape[1]:  # in place (the arrays are this instance's own)
            old[:, : arr.shape[1]] += arr
            return
        n = arr.shape[1]
        self.counts[key] = np.pad(old, ((0, 0), (0, n - old.shape[1]))) + np.pad(
            arr, ((0, 0), (0, n - arr.shape[1]))
        )

    def merge(self, other: SurvivalCounts) -> SurvivalCounts:
        """Add the counts of ``other`` (in place; returns self)."""
        for key, arr in other.counts.items():
            self._add_one(key, arr)
        return self

    def groups(self) -> list[Hashable]:
        """The group keys, sorted."""
        return sorted(self.counts, key=lambda k: (str(type(k)), k))

    def pooled(self, keys: Sequence[Hashable] | None = None) -> np.ndarray:
        """Counts summed over the given groups (default all), shape (3, T)."""
        keys = self.groups() if keys is None else list(keys)
        n = max((self.counts[k].shape[1] for k in keys), default=1)
        out = np.zeros((3, n), np.int64)
        for k in keys:
            a = self.counts[k]
            out[:, : a.shape[1]] += a
        return out

    @staticmethod
    def _risk(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(weeks, at risk, events, censored) at every week where a spell ends."""
        ev, ex, en = arr
        at_risk = np.cumsum(ex[::-1])[::-1] - np.cumsum(en[::-1])[::-1]
        t = np.flatnonzero(ex > 0)
        return t, at_risk[t], ev[t], ex[t] - ev[t]

    def n(self, key: Hashable | None = None) -> int:
        """Number of spells used (in one group, or in all)."""
        arr = self.pooled() if key is None else self.counts[key]
        return int(arr[1].sum())

    def kaplan_meier(
        self, key: Hashable | None = None, conf_type: str = "log-log", alpha: float = 0.05
    ) -> pd.DataFrame:
        """Kaplan-Meier table of one group (default all pooled), Greenwood variance.

        Returns
        -------
        DataFrame
            ``time, at_risk, events, censored, survival, std_err, lower, upper`` at
            every week where a spell ends, as
            ``evalkit.survival.kaplan_meier(...).table``.
        """
        arr = self.pooled() if key is None else self.counts[key]
        t, y, d, c = self._risk(arr)
        y, d = y.astype(float), d.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - np.where(d > 0, d / y, 0.0))
            se_log = np.sqrt(np.cumsum(np.where(d > 0, d / (y * (y - d)), 0.0)))
        from scipy.stats import norm  # here: scipy.stats takes a second to import

        z = float(norm.isf(alpha / 2))
        from evalkit.survival.km import _confint

        with np.errstate(invalid="ignore"):
            lower, upper = _confint(surv, se_log, conf_type, z)
            std_err = surv * se_log
        return pd.DataFrame(
            {
                "time": t.astype(float),
                "at_risk": y,
                "events": d,
                "censored": c.astype(float),
                "survival": surv,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
            }
        )

    def nelson_aalen(self, key: Hashable | None = None) -> pd.DataFrame:
        """Nelson-Aalen cumulative hazard (``time, at_risk, events, cumhaz, std_err``)."""
        arr = self.pooled() if key is None else self.counts[key]
        t, y, d, _ = self._risk(arr)
        y, d = y.astype(float), d.astype(float)
        h = np.where(d > 0, d / np.where(y > 0, y, 1.0), 0.0)
        var = np.where(d > 0, d / np.where(y > 0, y, 1.0) ** 2, 0.0)
        return pd.DataFrame(
            {
                "time": t.astype(float),
                "at_risk": y,
                "events": d,
                "cumhaz": np.cumsum(h),
                "std_err": np.sqrt(np.cumsum(var)),
            }
        )

    def logrank(self, keys: Sequence[Hashable] | None = None) -> dict[str, object]:
        """Log-rank test of equal survival in the groups (default all), as ``survdiff``.

        Returns
        -------
        dict
            ``statistic``, ``df``, ``p_value``, ``observed`` and ``expected`` (per
            group, in the order of ``keys``).
        """
        keys = self.groups() if keys is None else list(keys)
        n = max(self.counts[k].shape[1] for k in keys)
        arr = np.stack(
            [np.pad(self.counts[k], ((0, 0), (0, n - self.counts[k].shape[1]))) for k in keys]
        )
        ev, ex, en = arr[:, 0].astype(float), arr[:, 1], arr[:, 2]
        risk = (
            np.cumsum(ex[:, ::-1], axis=1)[:, ::-1] - np.cumsum(en[:, ::-1], axis=1)[:, ::-1]
        ).astype(float)
        from scipy.stats import chi2

        d, y = ev.sum(axis=0), risk.sum(axis=0)
        use = (d > 0) & (y > 0)
        d, y, ev, risk = d[use], y[use], ev[:, use], risk[:, use]
        frac = risk / y
        expected = (d * frac).sum(axis=1)
        observed = ev.sum(axis=1)
        scale = np.where(y > 1, d * (y - d) / np.maximum(y - 1, 1), 0.0)
        var = np.diag((scale * frac).sum(axis=1)) - (scale * frac) @ frac.T
        diff = observed - expected
        k = len(keys)
        v = var[: k - 1, : k - 1]
        stat = float(diff[: k - 1] @ np.linalg.pinv(v) @ diff[: k - 1]) if k > 1 else math.nan
        df = int(np.linalg.matrix_rank(v)) if k > 1 else 0
        return {
            "statistic": stat,
            "df": df,
            "p_value": float(chi2.sf(stat, df)) if df >= 1 else math.nan,
            "observed": observed,
            "expected": expected,
        }

    def one_sample(self, reference: pd.DataFrame, key: Hashable | None = None) -> dict[str, float]:
        """One-sample log-rank test against an external curve (as ``logrank_one_sample``).

        Parameters
        ----------
        reference : DataFrame
            Columns ``week`` and ``survival`` (a step function, 1 before the first week).
        key : hashable, optional
            One group (default all pooled).
        """
        from scipy.stats import chi2

        arr = self.pooled() if key is None else self.counts[key]
        week = reference["week"].to_numpy(float)
        cumhaz = -np.log(reference["survival"].to_numpy(float))
        t = np.arange(arr.shape[1])
        i = np.searchsorted(week, t, side="right") - 1
        h = np.where(i >= 0, cumhaz[np.clip(i, 0, None)], 0.0)
        expected = float((arr[1] * h).sum())
        observed = float(arr[0].sum())
        stat = (observed - expected) ** 2 / expected if expected > 0 else math.nan
        return {
            "observed": observed,
            "expected": expected,
            "ratio": observed / expected if expected > 0 else math.nan,
            "statistic": stat,
            "p_value": float(chi2.sf(stat, 1)),
        }
