"""Predicted survival curves from a Cox model, as R ``survfit.coxph``.

For a covariate profile ``x*`` the curve is ``S(t | x*) = exp(-H0(t) r*)`` with
``r* = exp((x* - xbar)'beta)`` and the baseline cumulative hazard ``H0`` at the
centre ``xbar`` (R's ``fit$means``; within each stratum its own baseline):

* Breslow (fits with ``ties="breslow"``; R ``ctype = 1``):
  ``dH0(t) = dN(t) / sum_{i in R(t)} w_i r_i``;
* Efron (``ties="efron"``; ``ctype = 2``), with ``d`` tied events of total weight
  ``dN``: ``dH0(t) = dN / d * sum_{j<d} 1 / (S0 - j/d * E0)``, ``E0`` the risk of the
  tied events.

The variance of ``log S = -H(t | x*)`` (R's ``std.err`` is its square root) is the
Tsiatis / Link formula ``r*^2 [ sum dN / S0^2 + d(t)' V d(t) ]`` with
``d(t) = H0(t) x* - sum_{s<=t} xbar(s) dH0(s)`` (``xbar(s)`` the risk-weighted mean of
the covariates; Efron's version uses the same corrections as above), and ``V`` the
variance matrix of the fit (the robust one when the fit used it, as R). Limits: R's
``conf.type`` ``"log"`` (default), ``"log-log"`` or ``"plain"``. Every distinct time
(events and censorings) of the stratum is a row, as R's ``summary(survfit(fit),
censored = TRUE)``; ``(start, stop]`` fits use risk sets of those who have entered.

References
----------
Tsiatis AA (1981). A large sample study of Cox's regression model. *Ann. Statist.* 9,
93-108. Therneau TM, Grambsch PM (2000), chapter 10. R ``survival::survfit.coxph``,
``agsurv`` (3.5-3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha, check_option
from evalkit.survival._core import _numeric_1d
from evalkit.survival._display import Summary, html_para, html_table, text_table
from evalkit.survival.km import _confint, _findq

__all__ = ["CONF_TYPES", "CoxSurvivalResult", "survfit_cox"]

CONF_TYPES = ("log", "log-log", "plain")


@dataclass(frozen=True, eq=False)
class CoxSurvivalResult:
    """Predicted survival curves (R ``survfit(coxfit, newdata)``).

    Attributes
    ----------
    table : DataFrame
        Long format, one row per curve and distinct time: ``curve`` (the newdata row
        label), ``strata``, ``time, at_risk, events, censored`` (weighted counts),
        ``survival, cumhaz, std_err`` (standard error of the cumulative hazard, R's
        ``std.err`` of ``survfit.coxph``), ``lower, upper``.
    curves : tuple
        The curve labels (newdata index, or ``"mean"`` without newdata), with
        ``"label, stratum"`` when curves are split by stratum.
    conf_type : str
    alpha : float
    """

    table: pd.DataFrame = field(repr=False)
    curves: tuple
    conf_type: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def curve(self, label: Any) -> pd.DataFrame:
        """The rows of one curve."""
        t = self.table
        out = t[t["curve"] == label]
        if out.empty:
            raise ValueError(f"label must be one of {list(self.curves)!r}, but was {label!r}")
        return out.reset_index(drop=True)

    def survival_at(self, times: Any) -> pd.DataFrame:
        """S(t) and its limits of every curve at ``times`` (right-continuous steps)."""
        t = _numeric_1d(times, "times").astype(float)
        parts = []
        for lab in self.curves:
            c = self.curve(lab)
            tt = c["time"].to_numpy()
            i = np.searchsorted(tt, t, side="right") - 1
            before = i < 0
            j = np.clip(i, 0, None)
            parts.append(
                pd.DataFrame(
                    {
                        "curve": lab,
                        "time": t,
                        "survival": np.where(before, 1.0, c["survival"].to_numpy()[j]),
                        "lower": np.where(before, 1.0, c["lower"].to_numpy()[j]),
                        "upper": np.where(before, 1.0, c["upper"].to_numpy()[j]),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def plot(self, ax: Any = None, *, ci: bool = True) -> Any:
        """Step curves with their bands, one per curve; returns the Axes."""
        if ax is None:
            from evalkit._figure import NotebookFigure as Figure  # shows itself, once

            ax = Figure().subplots()
        for lab in self.curves:
            c = self.curve(lab)
            t = np.r_[0.0, c["time"].to_numpy()]
            s = np.r_[1.0, c["survival"].to_numpy()]
            (line,) = ax.step(t, s, where="post", label=str(lab))
            if ci:
                lo = np.r_[1.0, c["lower"].to_numpy()]
                hi = np.r_[1.0, c["upper"].to_numpy()]
                ax.fill_between(t, lo, hi, step="post", alpha=0.2, color=line.get_color())
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("time")
        ax.set_ylabel("survival")
        if len(self.curves) > 1:
            ax.legend()
        return ax

    def medians(self) -> pd.DataFrame:
        """One row per curve as R ``print(survfit(fit, newdata))``: events, median, limits.

        ``events`` are the (weighted) events of the curve's stratum; the median and its
        limits follow R ``quantile.survfit`` (NaN when not reached).
        """
        rows = []
        for lab in self.curves:
            c = self.curve(lab)
            x = np.r_[0.0, c["time"].to_numpy()]
            med = [
                _findq(x, np.r_[0.0, 1 - c[col].to_numpy()], 0.5)
                for col in ("survival", "lower", "upper")
            ]
            rows.append(
                {
                    "curve": lab,
                    "events": float(c["events"].sum()),
                    "median": med[0],
                    "lower": med[1],
                    "upper": med[2],
                }
            )
        return pd.DataFrame(rows)

    def _title(self) -> str:
        return (
            f"Predicted survival from a Cox model (survfit.coxph), {self.conf_type} CI "
            f"({1 - self.alpha:.0%})"
        )

    def _overview(self) -> pd.DataFrame:
        level = f"{1 - self.alpha:.2f}".rstrip("0").rstrip(".")
        med = self.medians().set_index("curve")
        med.index = [str(i) for i in med.index]
        return med.rename(columns={"lower": f"{level}LCL", "upper": f"{level}UCL"})

    def __repr__(self) -> str:
        return "\n".join([self._title(), "", text_table(self._overview(), counts=["events"])])

    def summary(self, times: Any = None) -> Summary:
        """The curves at every event time, or at ``times``: R ``summary(survfit(fit, nd))``.

        Columns ``time, n.risk, n.event, survival, std.err`` (of S, as R's summary) and
        the limits; ``n.event`` at ``times`` counts the events since the previous time.
        """
        level = f"{1 - self.alpha:.0%}"
        text, out_html = [self._title()], [html_para(self._title())]
        for lab in self.curves:
            c = self.curve(lab)
            if times is None:
                tab = c[c["events"] > 0]
                risk, events = tab["at_risk"].to_numpy(), tab["events"].to_numpy()
                shown = tab[["time", "survival", "std_err", "lower", "upper"]].copy()
            else:
                t = _numeric_1d(times, "times").astype(float)
                at = self.survival_at(t)
                shown = at[at["curve"] == lab][["time", "survival", "lower", "upper"]].copy()
                tt = c["time"].to_numpy()
                k = np.searchsorted(tt, t, side="left")
                risk = np.append(c["at_risk"].to_numpy(), 0.0)[k]
                cum = np.r_[0.0, np.cumsum(c["events"].to_numpy())]
                upto = cum[np.searchsorted(tt, t, side="right")]
                events = np.diff(np.r_[0.0, upto])
                i = np.searchsorted(tt, t, side="right") - 1
                se = np.where(i >= 0, c["std_err"].to_numpy()[np.clip(i, 0, None)], 0.0)
                shown.insert(2, "std_err", se)
            shown["std_err"] = shown["std_err"].to_numpy() * shown["survival"].to_numpy()
            shown.insert(1, "n.risk", risk)
            shown.insert(2, "n.event", events)
            shown = shown.rename(
                columns={
                    "std_err": "std.err",
                    "lower": f"lower {level} CI",
                    "upper": f"upper {level} CI",
                }
            )
            kw = {"counts": ["n.risk", "n.event"], "index": False}
            text += ["", f"curve={lab}", text_table(shown, **kw)]
            out_html.append(html_table(shown, caption=f"curve={lab}", **kw))
        return Summary("\n".join(text), "".join(out_html))

    def _repr_html_(self) -> str:
        out = html_para(self._title())
        out += html_table(self._overview(), counts=["events"])
        tab = self.table
        shown = tab if len(tab) <= 30 else pd.concat([tab.head(15), tab.tail(15)])
        out += html_table(shown, index=False, counts=["at_risk", "events", "censored"])
        if len(tab) > 30:
            out += html_para(f"{len(tab)} rows; first and last 15 shown (to_frame() for all)")
        return out


def _baseline(data: Any, beta: np.ndarray, xcenter: float, ties: str):
    """Per (stratum, distinct time): counts, hazard, its variance and the x-bar terms."""
    x, stop, start, ev = data.x, data.stop, data.start, data.event
    n, p = x.shape
    w = np.ones(n) if data.weights is None else data.weights
    strata = np.zeros(n, dtype=np.intp) if data.strata is None else data.strata
    off = 0.0 if data.offset is None else data.offset
    risk = np.exp(x @ beta + off - xcenter)
    uniq, inv = np.unique(stop, return_inverse=True)
    key = strata.astype(np.int64) * (uniq.size + 1) + inv.reshape(-1)
    cells, cid = np.unique(key, return_inverse=True)
    cid = cid.reshape(-1)
    g = cells.size
    c_stratum = cells // (uniq.size + 1)
    c_time = uniq[cells % (uniq.size + 1)]
    wr = w * risk

    def agg(weights):
        return np.bincount(cid, weights=weights, minlength=g)

    cols = np.vstack([agg(wr), agg(w)] + [agg(wr * x[:, j]) for j in range(p)])
    from evalkit.survival._risksets import seg_revcumsum

    ns = int(strata.max()) + 1
    tot = seg_revcumsum(cols, c_stratum, ns)
    if start is not None:
        # subtract, at each time t, the rows with start >= t (not yet entered)
        # the last cell of the row's stratum with time <= start (one search, no loop)
        k = np.searchsorted(uniq, start, side="right") - 1
        lo = np.searchsorted(cells, strata.astype(np.int64) * (uniq.size + 1) + k, side="right") - 1
        first_cell = np.searchsorted(c_stratum, np.arange(ns))
        keep = lo >= first_cell[strata]
        sub = np.zeros_like(cols)
        rows = np.flatnonzero(keep)
        for k, wv in enumerate([wr, w] + [wr * x[:, j] for j in range(p)]):
            sub[k] = np.bincount(lo[rows], weights=wv[rows], minlength=g)
        tot = tot - seg_revcumsum(sub, c_stratum, ns)
    nrisk, irisk, xsum = tot[0], tot[1], tot[2:]
    nevent = agg(w * ev)
    ncens = agg(w * ~ev)
    ndeath = np.bincount(cid[ev], minlength=g)
    with np.errstate(divide="ignore", invalid="ignore"):
        haz = nevent / nrisk
        varhaz = nevent / nrisk**2
        xbar = xsum / nrisk * haz
        if ties == "efron":
            erisk = agg(wr * ev)
            xsum2 = np.vstack([agg(wr * ev * x[:, j]) for j in range(p)])
            multi = np.flatnonzero(ndeath >= 2)
            if multi.size:
                m = ndeath[multi]
                pc = np.repeat(np.arange(multi.size), m)
                f = (np.arange(pc.size) - np.repeat(np.cumsum(m) - m, m)) / np.repeat(m, m)
                cell = multi[pc]
                dinv = 1.0 / (nrisk[cell] - erisk[cell] * f)
                mm = np.repeat(m, m)
                sum1 = np.bincount(pc, weights=dinv / mm)
                sum2 = np.bincount(pc, weights=dinv * dinv / mm)
                haz[multi] = nevent[multi] * sum1
                varhaz[multi] = nevent[multi] * sum2
                num = xsum[:, cell] - xsum2[:, cell] * f
                xb = np.vstack(
                    [np.bincount(pc, weights=num[j] * dinv * dinv / mm) for j in range(p)]
                )
                xbar[:, multi] = nevent[multi] * xb
        haz = np.where(nevent > 0, haz, 0.0)
        varhaz = np.where(nevent > 0, varhaz, 0.0)
        xbar = np.where(nevent > 0, xbar, 0.0)
    # cumulative sums within strata (forward in time)
    starts = np.r_[True, c_stratum[1:] != c_stratum[:-1]]
    seg = np.cumsum(starts) - 1
    cum = np.vstack([haz, varhaz, xbar])
    csum = np.cumsum(cum, axis=1)
    before = np.hstack([np.zeros((cum.shape[0], 1)), csum])[:, np.flatnonzero(starts)][:, seg]
    csum = csum - before
    return {
        "stratum": c_stratum,
        "time": c_time,
        "n_risk": irisk,
        "n_event": nevent,
        "n_censor": ncens,
        "cumhaz": csum[0],
        "cumvar": csum[1],
        "xbar": csum[2:],
    }


def survfit_cox(
    fit: Any,
    newdata: pd.DataFrame | None = None,
    *,
    conf_type: str = "log",
    alpha: float | None = None,
) -> CoxSurvivalResult:
    """Predicted survival curves for covariate profiles (R ``survfit.coxph``).

    Parameters
    ----------
    fit : CoxResult
    newdata : DataFrame, optional
        One row per profile, with the model's covariate columns (and offset column);
        if it has the strata column(s), each row gets its own stratum's curve, otherwise
        one curve per row and stratum. Without it: one curve at R's ``fit$means``
        (0 for covariates coded -1/0/1, else the mean).
    conf_type : {"log", "log-log", "plain"}
        R's ``conf.type`` (default ``"log"``, as ``survfit.coxph``).
    alpha : float, optional
        1 - level of the limits; the fit's ``alpha`` by default.

    Returns
    -------
    CoxSurvivalResult

    Raises
    ------
    ValueError
        For unknown options, or newdata without a covariate column or with an unknown
        level or stratum.

    References
    ----------
    R ``survival::survfit.coxph`` (3.5-3; ``se.fit = TRUE``, ``stype = 2``, ``ctype``
    from the ties); Tsiatis (1981); Therneau & Grambsch (2000), section 10.2.
    """
    check_option("conf_type", conf_type, CONF_TYPES)
    data = getattr(fit, "_data", None)
    if data is None:
        raise TypeError(
            f"fit must be a CoxResult from evalkit.survival.cox, but was {type(fit).__name__}"
        )
    alpha = fit.alpha if alpha is None else check_alpha(alpha)
    coef = fit.summary["coef"].to_numpy()
    beta = np.where(np.isnan(coef), 0.0, coef)
    w = np.ones(data.x.shape[0]) if data.weights is None else data.weights
    off_mean = 0.0 if data.offset is None else float(w @ data.offset / w.sum())
    xcenter = float(data.means @ beta) + off_mean
    base = _baseline(data, beta, xcenter, fit.ties)
    var = fit.var.to_numpy()
    levels = data.strata_levels
    if newdata is None:
        x2 = data.means[None, :]
        risk2 = np.ones(1)
        labels = ["mean"]
        row_stratum = [None]
    else:
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a DataFrame, but was {type(newdata).__name__}")
        if data.offset is not None:
            raise ValueError("survfit with newdata is not available for a model with an offset")
        x2 = data.design.build(newdata)
        risk2 = np.exp(x2 @ beta - xcenter)
        labels = list(newdata.index)
        row_stratum = [None] * len(newdata)
        scol = fit.strata
        names = [] if scol is None else [v.strip() for v in scol.split(",")]
        if levels is not None and names and all(c in newdata.columns for c in names):
            if len(names) == 1:
                wanted = list(newdata[names[0]])
            else:  # labels as strata(a, b) makes them: "a=1, b=2"
                wanted = [
                    ", ".join(f"{c}={v}" for c, v in zip(names, row, strict=True))
                    for row in newdata[names].itertuples(index=False)
                ]
            lv = list(levels)
            row_stratum = []
            for v in wanted:
                if v not in lv:
                    raise ValueError(f"newdata has a stratum the model does not know: {v!r}")
                row_stratum.append(lv.index(v))
    z = float(norm.isf(alpha / 2))
    parts = []
    curve_labels = []
    strata_ids = np.unique(base["stratum"])
    for k, lab in enumerate(labels):
        wanted = strata_ids if row_stratum[k] is None else [row_stratum[k]]
        for s in wanted:
            sel = base["stratum"] == s
            cumhaz = base["cumhaz"][sel]
            dt = np.outer(cumhaz, x2[k]) - base["xbar"][:, sel].T
            varh = (base["cumvar"][sel] + np.einsum("ij,jk,ik->i", dt, var, dt)) * risk2[k] ** 2
            se = np.sqrt(varh)
            h = cumhaz * risk2[k]
            surv = np.exp(-h)
            lower, upper = _confint(surv, se, conf_type, z)
            sname = None if levels is None else levels[s]
            label = lab if (levels is None or row_stratum[k] is not None) else f"{lab}, {sname}"
            curve_labels.append(label)
            parts.append(
                pd.DataFrame(
                    {
                        "curve": label,
                        "strata": sname,
                        "time": base["time"][sel],
                        "at_risk": base["n_risk"][sel],
                        "events": base["n_event"][sel],
                        "censored": base["n_censor"][sel],
                        "survival": surv,
                        "cumhaz": h,
                        "std_err": se,
                        "lower": lower,
                        "upper": upper,
                    }
                )
            )
    table = pd.concat(parts, ignore_index=True)
    return CoxSurvivalResult(
        table=table, curves=tuple(curve_labels), conf_type=conf_type, alpha=alpha
    )
