"""The result of :func:`evalkit.survival.cox`, printed like R ``print.coxph``.

``fit.summary`` is the coefficient table (a DataFrame, as before); calling it,
``fit.summary()``, gives R's ``summary.coxph`` printout. ``print(fit)`` gives
``print.coxph``. In a notebook the fit shows as an HTML table with formatted p-values
and whole-number counts.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.survival._cox_design import Design
    from evalkit.survival._coxfit import CoxFit

__all__ = ["CoxData", "CoxResult", "CoxSummary", "CoxTable", "format_pvalue"]


def _r_format(x: float, digits: int) -> str:
    """A number with ``digits`` significant digits, fixed or scientific as R chooses."""
    if x is None or not math.isfinite(x):
        return "NA" if x is None or math.isnan(x) else ("Inf" if x > 0 else "-Inf")
    if x == 0:
        return "0"
    fixed = f"{x:.{max(digits - 1 - math.floor(math.log10(abs(x))), 0)}f}"
    if "." in fixed:
        fixed = fixed.rstrip("0").rstrip(".")
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    sci = f"{mant}e{int(exp):+03d}"
    return fixed if len(fixed) <= len(sci) else sci


def format_pvalue(p: float, digits: int = 3) -> str:
    """A p-value as R ``format.pval``: ``"<2e-16"`` below machine epsilon."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    eps = float(np.finfo(float).eps)
    if p < eps:
        return f"<{_r_format(eps, digits)}"
    return _r_format(float(p), digits)


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def _fmt_col(values: np.ndarray, digits: int) -> list[str]:
    """R-like column formatting: enough decimals for ``digits`` significant digits."""
    fin = values[np.isfinite(values)]
    if fin.size == 0:
        return ["NA"] * values.size
    mags = np.floor(np.log10(np.abs(fin[fin != 0]))) if np.any(fin != 0) else np.array([0])
    dec = int(max(0, digits - 1 - mags.min()))
    dec = min(dec, 8)
    return [f"{v:.{dec}f}" if np.isfinite(v) else "NA" for v in values]


def _text_table(cols: dict[str, list[str]], index: list[str]) -> str:
    width0 = max((len(s) for s in index), default=0)
    widths = {k: max(len(k), *(len(s) for s in v)) for k, v in cols.items()}
    head = " " * width0 + "".join(" " + k.rjust(widths[k]) for k in cols)
    lines = [head]
    for i, name in enumerate(index):
        lines.append(name.ljust(width0) + "".join(" " + cols[k][i].rjust(widths[k]) for k in cols))
    return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class CoxData:
    """What the fit keeps for concordance, ``cox_zph`` and ``survfit`` (private)."""

    fit: CoxFit
    design: Design
    x: np.ndarray
    stop: np.ndarray
    start: np.ndarray | None
    event: np.ndarray
    weights: np.ndarray | None
    offset: np.ndarray | None
    strata: np.ndarray | None
    strata_levels: np.ndarray | None
    cluster: np.ndarray | None
    coef: np.ndarray  # NA coefficients as 0

    @cached_property
    def means(self) -> np.ndarray:
        """R's ``fit$means``: 0 for columns of -1/0/1 values, else the (weighted) mean.

        ``coxph.fit`` uses weighted means, ``agreg.fit`` (counting process) plain means.
        """
        from evalkit.survival._risksets import in_values

        x = self.x
        p = x.shape[1]
        zero_one = np.array([in_values(x[:, j], (-1.0, 0.0, 1.0)) for j in range(p)], bool)
        if self.start is not None or self.weights is None:
            mean = x.mean(axis=0)
        else:
            mean = (self.weights @ x) / self.weights.sum()
        return np.where(zero_one, 0.0, mean)

    @cached_property
    def linear_predictor(self) -> np.ndarray:
        """R's ``fit$linear.predictors``: ``x'beta - means'beta + offset``.

        Summed column by column (R's dgemv order), so that equal rows get equal values:
        BLAS matrix-vector products may round rows differently, breaking score ties.
        """
        x, coef = self.x, self.coef
        lp = np.zeros(x.shape[0])
        for j in range(x.shape[1]):
            lp += x[:, j] * coef[j]
        lp -= self.means @ coef
        if self.offset is not None:
            lp += self.offset
        return lp


class CoxTable(pd.DataFrame):
    """The coefficient table; calling it, ``fit.summary()``, gives R's summary printout."""

    _metadata: ClassVar[list[str]] = ["_fit"]

    @property
    def _constructor(self):  # operations on the table give plain DataFrames
        return pd.DataFrame

    def __call__(self) -> CoxSummary:
        fit = getattr(self, "_fit", None)
        if fit is None:
            raise TypeError("this table is not attached to a Cox fit")
        return CoxSummary(fit)


@dataclass(frozen=True, eq=False, repr=False)
class CoxResult:
    """Fitted Cox model (R ``coxph`` object).

    Attributes
    ----------
    summary : DataFrame
        Indexed by covariate (R naming): ``coef, hazard_ratio, se, se_model, z, p_value,
        lower, upper``. ``se`` is the variance in use (robust or model); ``se_model`` the
        inverse-information one (R's ``se(coef)``; equal to ``se`` without robust);
        limits are for the hazard ratio at level 1 - alpha. An NA coefficient (not
        estimable) is NaN in every column. Call it, ``fit.summary()``, for R's
        ``summary.coxph`` printout.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at beta = 0 (R ``fit$loglik``).
    n, n_events : int
        Rows used (persons, or intervals for counting-process data) and events.
    ties : str
    alpha : float
    strata : str or None
    variance : {"model", "robust"}
    weights : str or None
        The weight column, if any.
    tests : DataFrame
        ``likelihood_ratio``, ``wald`` (with the variance in use), ``score`` (logrank)
        and, with the robust variance, ``robust_score``: ``statistic, df, p_value``.
    var, var_model : DataFrame
        Variance matrix in use, and the model-based one (R ``fit$var``,
        ``fit$naive.var``); zero rows and columns for NA coefficients, as R.
    cluster : str or None
        The cluster (or id) column of the robust variance.
    n_missing : int
        Rows dropped for missing values (formula interface, R's ``na.omit``).
    formula, response : str or None
    iterations : int
    converged : bool
    """

    summary: CoxTable = field(repr=False)
    loglik: float
    n: int
    n_events: int
    ties: str
    alpha: float = 0.05
    strata: str | None = None
    variance: str = "model"
    weights: str | None = None
    loglik_null: float = float("nan")
    tests: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    var: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    var_model: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    cluster: str | None = None
    n_missing: int = 0
    formula: str | None = None
    response: str | None = None
    iterations: int = 0
    converged: bool = True
    _data: CoxData | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self.summary, "_fit", self)

    # ---- numbers ---------------------------------------------------------------------
    @property
    def coef(self) -> pd.Series:
        """Coefficients (NaN where R reports NA)."""
        return self.summary["coef"].copy()

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table as a plain DataFrame (a copy)."""
        return pd.DataFrame(self.summary).copy()

    def concordance(self):
        """Harrell's concordance of the linear predictor with its standard error.

        As R ``concordance(fit)`` / ``summary(fit)$concordance``; see
        :func:`evalkit.survival.concordance`.
        """
        from evalkit.survival.concordance import concordance

        cached = self.__dict__.get("_concordance")
        if cached is None:
            cached = concordance(self)
            self.__dict__["_concordance"] = cached
        return cached

    def cox_zph(self, transform: str = "km", terms: bool = True):
        """Test of proportional hazards, as R ``cox.zph`` (:func:`evalkit.survival.cox_zph`)."""
        from evalkit.survival.cox_zph import cox_zph

        return cox_zph(self, transform=transform, terms=terms)

    def survfit(self, newdata: pd.DataFrame | None = None, **kwargs: Any):
        """Predicted survival curves, as R ``survfit(fit, newdata)``.

        See :func:`evalkit.survival.survfit_cox`.
        """
        from evalkit.survival.survfit_cox import survfit_cox

        return survfit_cox(self, newdata, **kwargs)

    # ---- printing --------------------------------------------------------------------
    def _coef_text(self, digits: int, r_summary: bool) -> str:
        s = self.summary
        robust = self.variance == "robust"
        cols: dict[str, list[str]] = {
            "coef": _fmt_col(s["coef"].to_numpy(), digits),
            "exp(coef)": _fmt_col(s["hazard_ratio"].to_numpy(), digits),
            "se(coef)": _fmt_col(s["se_model"].to_numpy(), digits),
        }
        if robust:
            cols["robust se"] = _fmt_col(s["se"].to_numpy(), digits)
        cols["z"] = _fmt_col(s["z"].to_numpy(), digits)
        pname = "Pr(>|z|)" if r_summary else "p"
        cols[pname] = [format_pvalue(p, digits) for p in s["p_value"]]
        if r_summary:
            cols[""] = [_stars(p) for p in s["p_value"]]
        return _text_table(cols, [str(i) for i in s.index])

    def _header(self) -> str:
        what = self.formula or self.response or "Cox model"
        extra = f", strata: {self.strata}" if self.strata and not self.formula else ""
        return f"cox({what!s}){extra}; {self.ties} ties, {self.variance} variance"

    def _counts_line(self) -> str:
        line = f"n= {self.n}, number of events= {self.n_events}"
        if self.n_missing:
            line += f"\n   ({self.n_missing} observations deleted due to missingness)"
        return line

    def __repr__(self) -> str:
        t = self.tests.loc["likelihood_ratio"]
        return (
            f"{self._header()}\n\n{self._coef_text(4, False)}\n\n"
            f"Likelihood ratio test={t.statistic:.2f}  on {int(t.df)} df, "
            f"p={format_pvalue(t.p_value, 4)}\n{self._counts_line()}"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        s = self.summary
        level = f"{100 * (1 - self.alpha):g} %"
        rows = []
        for name, r in s.iterrows():
            cells = [
                html.escape(str(name)),
                _num(r["coef"]),
                _num(r["hazard_ratio"]),
                _num(r["se"]),
                _num(r["z"], 3),
                html.escape(format_pvalue(r["p_value"])),
                _num(r["lower"]),
                _num(r["upper"]),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        head = "".join(
            f"<th>{h}</th>"
            for h in (
                "",
                "coef",
                "exp(coef)",
                "se" + (" (robust)" if self.variance == "robust" else ""),
                "z",
                "p",
                f"lower {level}",
                f"upper {level}",
            )
        )
        tests = "".join(
            f"<tr><td>{html.escape(k.replace('_', ' '))}</td><td>{t.statistic:.2f}</td>"
            f"<td>{int(t.df)}</td><td>{html.escape(format_pvalue(t.p_value))}</td></tr>"
            for k, t in self.tests.iterrows()
        )
        return (
            f"<p><b>Cox regression</b> {html.escape(self.formula or self.response or '')}"
            f" ({self.ties} ties, {self.variance} variance): n = {self.n:d}, "
            f"events = {self.n_events:d}"
            + (f", strata: {html.escape(self.strata)}" if self.strata else "")
            + (f", {self.n_missing:d} rows dropped for missing values" if self.n_missing else "")
            + f"</p><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + "<table><thead><tr><th>test</th><th>chi-square</th><th>df</th><th>p</th></tr>"
            + f"</thead><tbody>{tests}</tbody></table>"
        )


def _num(x: float, digits: int = 4) -> str:
    return html.escape(_r_format(float(x), digits)) if np.isfinite(x) else "NA"


@dataclass(frozen=True, eq=False, repr=False)
class CoxSummary:
    """R ``summary.coxph`` of a fit: coefficients, hazard ratios, concordance, tests."""

    fit: CoxResult

    def to_frame(self) -> pd.DataFrame:
        return self.fit.to_frame()

    def __repr__(self) -> str:
        f = self.fit
        s = f.summary
        digits = 4
        level = round(100 * (1 - f.alpha), 2)
        ci = _text_table(
            {
                "exp(coef)": _fmt_col(s["hazard_ratio"].to_numpy(), digits),
                "exp(-coef)": _fmt_col(np.exp(-s["coef"].to_numpy()), digits),
                f"lower .{level:g}": _fmt_col(s["lower"].to_numpy(), digits),
                f"upper .{level:g}": _fmt_col(s["upper"].to_numpy(), digits),
            },
            [str(i) for i in s.index],
        )
        c = f.concordance()
        lines = [
            f._header(),
            f"  {f._counts_line()}",
            "",
            f._coef_text(digits, True),
            "---",
            "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1",
            "",
            ci,
            "",
            f"Concordance= {c.estimate:.3f}  (se = {c.se:.3f} )",
        ]
        names = {
            "likelihood_ratio": "Likelihood ratio test",
            "wald": "Wald test            ",
            "score": "Score (logrank) test ",
        }
        for key, label in names.items():
            t = f.tests.loc[key]
            lines.append(
                f"{label}= {t.statistic:.2f}  on {int(t.df)} df,   p={format_pvalue(t.p_value, 1)}"
            )
        if "robust_score" in f.tests.index:
            t = f.tests.loc["robust_score"]
            lines[-1] += f",   Robust = {t.statistic:.2f}  p={format_pvalue(t.p_value, 1)}"
            lines += [
                "",
                "  (Note: the likelihood ratio and score tests assume independence of",
                "     observations within a cluster, the Wald and robust score tests do not).",
            ]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return self.fit._repr_html_() + "<pre>" + html.escape(repr(self)) + "</pre>"
