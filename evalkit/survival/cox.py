"""Cox proportional hazards regression, equal to R ``survival::coxph``.

One engine (:mod:`._coxfit`) fits every model: Breslow or Efron ties, strata, case
weights, offsets, counting-process ``(start, stop]`` data (delayed entry, time-varying
covariates), and R's robust (dfbeta sandwich) variance with ``cluster=`` / ``id=``.
Covariates that cannot be estimated (constant, constant within every stratum, exactly
collinear, an unused factor level) get an NA coefficient and a warning naming them,
and the others are fitted, as in R. Models are given by column names or by an R
formula (``"Surv(uger, afgang) ~ alder + C(køn) + strata(kommune)"``, parsed with
formulaic; see :mod:`._cox_design`). The result (:class:`CoxResult`) prints like R's
``print.coxph`` / ``summary.coxph`` and offers concordance, ``cox.zph`` and predicted
survival curves (``survfit.coxph``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri

from evalkit._checks import check_alpha, check_finite, check_option
from evalkit.survival._cholesky import wald_test
from evalkit.survival._core import _durations, _events, _numeric_1d
from evalkit.survival._cox_design import column_design, formula_design
from evalkit.survival._coxfit import TIES, coxfit
from evalkit.survival.cox_result import CoxData, CoxResult, CoxTable

__all__ = ["TIES", "CoxResult", "cox"]


def _case_weights(col: pd.Series, name: str) -> np.ndarray:
    """Positive finite case weights (R ``coxph`` rejects weights <= 0)."""
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        raise ValueError(f"weights column {name!r} must be numeric, but has dtype {col.dtype}")
    w = col.to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"weights must be finite and positive (as R coxph; drop rows with weight 0), "
            f"but row {i} of {name!r} is {float(w[i])!r}"
        )
    return w


def _labels(col: pd.Series | np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and sorted levels of a grouping column (no missing values)."""
    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    if s.isna().any():
        i = int(np.flatnonzero(s.isna().to_numpy())[0])
        raise ValueError(f"{name} column has missing values (first at row {i})")
    codes, levels = pd.factorize(s, sort=True)
    return codes.astype(np.intp), np.asarray(levels)


def _strata_of(data: pd.DataFrame, strata: str | list[str]) -> tuple[pd.Series, str]:
    names = [strata] if isinstance(strata, str) else list(strata)
    for nm in names:
        if nm not in data.columns:
            raise ValueError(f"strata must be a column of data, but {nm!r} is not")
    if len(names) == 1:
        return data[names[0]], names[0]
    labs = [data[nm].map(lambda v, nm=nm: f"{nm}={v}") for nm in names]
    return labs[0].str.cat(labs[1:], sep=", "), ", ".join(names)


def _column(data: pd.DataFrame, col: str | None, arg: str) -> pd.Series | None:
    if col is None:
        return None
    if not isinstance(col, str) or col not in data.columns:
        raise ValueError(f"{arg} must be a column of data, but {col!r} is not")
    return data[col]


def cox(
    formula: str | pd.DataFrame | None = None,
    duration: str | None = None,
    event: str | None = None,
    covariates: list[str] | None = None,
    ties: str = "efron",
    strata: str | list[str] | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    robust: bool | None = None,
    *,
    data: pd.DataFrame | None = None,
    start: str | None = None,
    offset: str | None = None,
    cluster: str | None = None,
    id: str | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model, as R ``coxph``.

    Two equivalent calls::

        cox("Surv(uger, afgang) ~ alder + C(køn) + strata(kommune)", data=df)
        cox(df, "uger", "afgang", ["alder", "køn"], strata="kommune")

    Parameters
    ----------
    formula : str or DataFrame
        An R formula ``"Surv(time, event) ~ x1 + C(x2) + strata(s) + cluster(id) +
        offset(o)"`` (or ``Surv(start, stop, event)``), evaluated on ``data`` with
        formulaic; rows with missing values in its variables are dropped (R's
        ``na.omit``) and counted in ``n_missing``. Or, for the column interface, the
        DataFrame itself (one row per person, or per interval with ``start``).
    duration, event : str
        Column interface: the (stop) time and the 0/1 event indicator.
    covariates : list of str
        Column interface: covariate columns; object, string and categorical columns are
        dummy coded (first level = reference, R names such as ``sexM``).
    ties : {"efron", "breslow"}
        Handling of tied event times (R's default ``"efron"``).
    strata : str or list of str, optional
        Column(s) whose levels get separate baseline hazards (R ``strata()``).
    weights : str, optional
        Column of positive case weights (R ``weights =``).
    alpha : float
        1 - level of the confidence limits.
    robust : bool, optional
        Robust (dfbeta sandwich) variance. ``None`` follows R: robust when ``cluster`` is
        given, when some weight is not a whole number, or when ``id`` is given and an id
        has more than one event.
    data : DataFrame
        The data for a formula (also accepted for the column interface).
    start : str, optional
        Column interface: entry time for counting-process data ``(start, stop]``
        (delayed entry, time-varying covariates), as R ``Surv(start, stop, event)``.
    offset : str, optional
        Column of a fixed part of the linear predictor (R ``offset()``).
    cluster : str, optional
        Column of cluster labels for the robust variance (R ``cluster =``).
    id : str, optional
        Column of person ids for counting-process data (R ``coxph(id =)``): the robust
        variance, when used, sums each person's rows.

    Returns
    -------
    CoxResult
        ``summary`` (DataFrame; call it, ``fit.summary()``, for R's summary printout),
        the tests, variance matrices and methods ``concordance()``, ``cox_zph()``,
        ``survfit()``.

    Raises
    ------
    ValueError
        For unknown columns or options, missing values (column interface), invalid
        times, events or weights, a formula that cannot be read, or no events.
    TypeError
        If ``data`` is not a DataFrame or ``robust`` is not True, False or None.

    Warns
    -----
    UserWarning
        When a coefficient cannot be estimated (NA, as R), when a coefficient may be
        infinite or the iteration did not converge (R's warnings).

    References
    ----------
    R ``survival::coxph`` (Therneau 2023, 3.5-3): ``coxph.fit``, ``agreg.fit``;
    Therneau TM, Grambsch PM (2000). *Modeling Survival Data*, sections 3.3, 7.2-7.3;
    Efron B (1977). JASA 72, 557-565; Lin DY, Wei LJ (1989). JASA 84, 1074-1078.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "d": [1, 1, 0, 1, 1, 1],
    ...                    "x": [0.5, 1.0, 0.1, 2.0, 0.3, 1.2]})
    >>> fit = cox(df, "t", "d", ["x"])
    >>> list(fit.summary.columns)
    ['coef', 'hazard_ratio', 'se', 'se_model', 'z', 'p_value', 'lower', 'upper']
    >>> bool(cox("Surv(t, d) ~ x", data=df).coef["x"] == fit.coef["x"])
    True
    """
    check_option("ties", ties, TIES)
    alpha = check_alpha(alpha)
    if robust is not None and not isinstance(robust, (bool, np.bool_)):
        raise TypeError(f"robust must be True, False or None, but was {robust!r}")
    if isinstance(formula, str):
        if data is None and isinstance(duration, pd.DataFrame):
            data, duration = duration, None
        for name, value in (
            ("duration", duration),
            ("event", event),
            ("covariates", covariates),
            ("start", start),
        ):
            if value is not None:
                raise ValueError(
                    f"with a formula, {name} must not be given (it is in the formula), but was {value!r}"
                )
    elif formula is not None:
        if data is not None:
            raise ValueError("give data once: as the first argument or as data=, not both")
        data = formula
        formula = None
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, but was {type(data).__name__}")
    for name, col in (("weights", weights), ("offset", offset), ("cluster", cluster), ("id", id)):
        if col is not None and col not in data.columns:
            raise ValueError(f"{name} must be a column of data, but {col!r} is not")
    n_missing = 0
    cluster_label = cluster
    strata_col: pd.Series | None = None
    strata_label = None
    if formula is not None:
        parts = formula_design(formula, data)
        rows = data.loc[parts.keep]
        n_missing = int((~parts.keep).sum())
        stop_raw, start_raw, d, x, design = (
            parts.time,
            parts.start,
            parts.event,
            parts.x,
            parts.design,
        )
        strata_col, strata_label = parts.strata, parts.strata_label
        off = parts.offset
        clus = parts.cluster
        if clus is not None:
            if cluster is not None:
                warnings.warn(
                    "cluster appears both in the formula and as an argument; the formula term is ignored (as R)",
                    UserWarning,
                    stacklevel=2,
                )
                clus = rows[cluster]
            else:
                cluster_label = parts.cluster_label
        elif cluster is not None:
            clus = rows[cluster]
        response = parts.response
    else:
        if isinstance(covariates, str) or not covariates:
            raise ValueError(
                f"covariates must be a non-empty list of columns, but was {covariates!r}"
            )
        for name, col in (("duration", duration), ("event", event), ("start", start)):
            if col is not None and col not in data.columns:
                raise ValueError(f"{name} must be a column of data, but {col!r} is not")
        if duration is None or event is None:
            raise ValueError("duration and event must name columns of data (or give a formula)")
        rows = data
        x, design = column_design(data, list(covariates))
        stop_raw = data[duration].to_numpy()
        start_raw = None if start is None else data[start].to_numpy()
        d = _events(data[event].to_numpy())
        off = None
        clus = None if cluster is None else data[cluster]
        response = (
            f"Surv({duration}, {event})" if start is None else f"Surv({start}, {duration}, {event})"
        )
    if strata is not None:
        if strata_col is not None:
            raise ValueError("give strata once: in the formula or as strata=, not both")
        strata_col, strata_label = _strata_of(rows, strata)
    if offset is not None:
        extra = _numeric_1d(rows[offset].to_numpy(), "offset").astype(float)
        off = extra if off is None else off + extra
    n = len(rows)
    if start_raw is None:
        stop = _durations(stop_raw, "durations" if formula is None else "time")
        if stop.size != d.size:
            raise ValueError("durations and events must have the same length")
        start_arr = None
    else:
        stop = _numeric_1d(stop_raw, "stop")
        start_arr = _numeric_1d(start_raw, "start")
        bad = ~(start_arr < stop)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"start must be less than stop in every row (R: 'Stop time must be > start "
                f"time'), but row {i} has start {start_arr[i]!r} and stop {stop[i]!r}"
            )
    if off is not None:
        check_finite(off, "offset")
        if np.all(off == 0):
            off = None
        else:
            off = off - off.mean()  # R: stabilises exp(); changes no estimate
    w = None if weights is None else _case_weights(rows[weights], weights)
    st_codes = st_levels = None
    if strata_col is not None:
        st_codes, st_levels = _labels(strata_col, "strata")
    idv = None if id is None else _labels(rows[id], "id")[0]
    # R's default for robust, and the clusters
    has_rwt = w is not None and bool(np.any(w != np.floor(w)))
    dup_id = idv is not None and bool(pd.Series(idv[d]).duplicated().any())
    explicit = robust is not None
    if robust is None:
        robust = clus is not None or has_rwt or dup_id
    robust = bool(robust)
    cl_codes = None
    if clus is not None:
        if not robust:
            warnings.warn(
                "cluster given with robust=False: the cluster is ignored (as R)",
                UserWarning,
                stacklevel=2,
            )
        else:
            cl_codes = _labels(clus, "cluster")[0]
    elif robust and idv is not None:
        cl_codes = idv
        cluster_label = id
    if robust and cl_codes is None:
        if start_arr is not None and explicit:
            raise ValueError("robust=True with (start, stop] data needs cluster= or id= (as R)")
        cl_codes = np.arange(n, dtype=np.intp)
    fit = coxfit(
        stop,
        d,
        x,
        start=start_arr,
        weights=w,
        strata=st_codes,
        offset=off,
        ties=ties,
    )
    names = list(design.names)
    _warn_fit(fit, names)
    return _result(
        fit=fit,
        design=design,
        names=names,
        x=x,
        stop=stop,
        start=start_arr,
        event=d,
        w=w,
        off=off,
        st_codes=st_codes,
        st_levels=st_levels,
        cl_codes=cl_codes,
        robust=robust,
        alpha=alpha,
        ties=ties,
        strata_label=strata_label,
        weights=weights,
        cluster_label=cluster_label if robust else None,
        n_missing=n_missing,
        formula=formula,
        response=response,
    )


def _warn_fit(fit: Any, names: list[str]) -> None:
    na = [names[i] for i in np.flatnonzero(fit.aliased)]
    if na:
        warnings.warn(
            f"Cox model: the coefficient of {', '.join(repr(v) for v in na)} cannot be "
            "estimated (the covariate is constant, constant within every stratum, an "
            "unused level, or collinear with the others); it is NA and the other "
            "coefficients are fitted without it, as in R",
            UserWarning,
            stacklevel=3,
        )
    if not fit.converged:
        warnings.warn(
            "Cox model: ran out of iterations and did not converge (as R's warning)",
            UserWarning,
            stacklevel=3,
        )
    inf = [names[i] for i in np.flatnonzero(fit.infinite)]
    if inf:
        warnings.warn(
            f"Cox model: loglik converged before {', '.join(repr(v) for v in inf)}; the "
            "coefficient may be infinite (R's warning)",
            UserWarning,
            stacklevel=3,
        )


def _test(stat: float, df: int) -> tuple[float, int, float]:
    if df == 0:  # R: pchisq(0, 0, lower.tail = FALSE) is 1 (no coefficient estimated)
        return float(stat), 0, 1.0 if stat <= 0 else 0.0
    return float(stat), int(df), float(chdtrc(df, stat))


def _result(**k: Any) -> CoxResult:
    fit = k["fit"]
    names = k["names"]
    coef = fit.coef
    ok = ~np.isnan(coef)
    var_model = fit.var
    robust = k["robust"] and ok.any()
    w, cl = k["w"], k["cl_codes"]
    var = fit.robust_var(w, cl) if robust else var_model
    rscore = fit.robust_score_test(w, cl) if robust else None
    df = int(ok.sum())
    se = np.where(ok, np.sqrt(np.diag(var)), np.nan)
    se_model = np.where(ok, np.sqrt(np.diag(var_model)), np.nan)
    z = float(-ndtri(k["alpha"] / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        zstat = coef / se
    table = pd.DataFrame(
        {
            "coef": coef,
            "hazard_ratio": np.exp(coef),
            "se": se,
            "se_model": se_model,
            "z": zstat,
            "p_value": 2 * ndtr(-np.abs(zstat)),
            "lower": np.exp(coef - z * se),
            "upper": np.exp(coef + z * se),
        },
        index=pd.Index(names, name="covariate"),
    )
    wald = wald_test(var[np.ix_(ok, ok)], coef[ok])[0] if df else 0.0
    lr = 2 * (fit.loglik - fit.loglik_init)
    rows = {
        "likelihood_ratio": _test(lr, df),
        "wald": _test(wald, df),
        "score": _test(fit.score_test, df),
    }
    if rscore is not None:
        rows["robust_score"] = _test(rscore, df)
    tests = pd.DataFrame.from_dict(rows, orient="index", columns=["statistic", "df", "p_value"])
    x = k["x"]
    data = CoxData(
        fit=fit,
        design=k["design"],
        x=x,
        stop=fit.stop,
        start=fit.start,
        event=k["event"],
        weights=w,
        offset=k["off"],
        strata=k["st_codes"],
        strata_levels=k["st_levels"],
        cluster=cl if robust else None,
        coef=np.where(ok, coef, 0.0),
    )
    frame = pd.DataFrame(var, index=names, columns=names)
    return CoxResult(
        summary=CoxTable(table),
        loglik=float(fit.loglik),
        n=int(x.shape[0]),
        n_events=int(k["event"].sum()),
        ties=k["ties"],
        alpha=k["alpha"],
        strata=k["strata_label"],
        variance="robust" if robust else "model",
        weights=k["weights"],
        loglik_null=float(fit.loglik_init),
        tests=tests,
        var=frame,
        var_model=pd.DataFrame(var_model, index=names, columns=names),
        cluster=k["cluster_label"],
        n_missing=k["n_missing"],
        formula=k["formula"],
        response=k["response"],
        iterations=int(fit.iterations),
        converged=bool(fit.converged),
        _data=data,
    )
