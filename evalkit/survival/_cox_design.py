"""Design matrices for :func:`evalkit.survival.cox` (private).

Two ways in, one result (:class:`Design` and the model arrays):

* **columns**: ``cox(df, "uger", "afgang", ["alder", "køn"], strata="kommune")``.
  Numeric columns enter as they are; object, string and categorical columns are dummy
  coded with the first level (category order, else sorted) as reference and named as R
  names them (``kønM``). A categorical level that no row uses still gets its (all-zero)
  column, so its coefficient is NA, as in R.
* **an R formula** parsed by `formulaic <https://matthewwardrop.github.io/formulaic/>`_:
  ``cox("Surv(uger, afgang) ~ alder + C(køn) + strata(kommune)", data=df)``. The left
  side is ``Surv(time, event)`` or ``Surv(start, stop, event)`` (its arguments may be
  expressions such as ``status == 2``; an event coded 1/2 is recoded to 0/1 as R's
  ``Surv`` does). On the right, ``strata(...)``, ``cluster(...)`` and ``offset(...)``
  are taken out as R's specials; the other terms go to formulaic, materialised with an
  intercept that is then dropped (R's treatment coding). Column names follow R
  (``C(køn)[T.M]`` becomes ``C(køn)M``). Rows with a missing value in any variable of
  the formula are dropped, as R's default ``na.omit``, and counted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__: list[str] = []

_SPECIALS = ("strata", "cluster", "offset")
#: R's elementwise functions a formula may use, beside formulaic's own (C, I, ...)
_CONTEXT = {
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "np": np,
}


@dataclass(frozen=True, eq=False)
class Design:
    """Column names, term structure and a builder of the same columns for new data."""

    names: tuple[str, ...]
    terms: tuple[tuple[str, tuple[int, ...]], ...]  # term label -> column positions
    build: Callable[[pd.DataFrame], np.ndarray]
    variables: tuple[str, ...]  # data columns the covariates need


# ---- column interface ---------------------------------------------------------------


def _levels(col: pd.Series) -> list | None:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    if col.dtype == object or pd.api.types.is_string_dtype(col) or col.dtype == bool:
        return sorted(col.unique())
    return None


def column_design(data: pd.DataFrame, covariates: list[str]) -> tuple[np.ndarray, Design]:
    """Dummy-coded design of named columns (see the module docstring)."""
    spec: list[tuple[str, list | None]] = []
    names: list[str] = []
    terms: list[tuple[str, tuple[int, ...]]] = []
    for name in covariates:
        if name not in data.columns:
            raise ValueError(f"covariates must be columns of data, but {name!r} is not")
        col = data[name]
        if col.isna().any():
            i = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise ValueError(f"covariate {name!r} has missing values (first at row {i})")
        levels = _levels(col)
        if levels is not None and len(levels) < 2:
            raise ValueError(f"covariate {name!r} has a single level {levels!r}")
        if levels is None and not pd.api.types.is_numeric_dtype(col.dtype):
            raise ValueError(
                f"covariate {name!r} must be numeric or categorical, but has dtype {col.dtype}"
            )
        first = len(names)
        if levels is None:
            names.append(name)
        else:
            names.extend(f"{name}{lev}" for lev in levels[1:])
        terms.append((name, tuple(range(first, len(names)))))
        spec.append((name, levels))

    def build(frame: pd.DataFrame) -> np.ndarray:
        parts = []
        for name, levels in spec:
            if name not in frame.columns:
                raise ValueError(f"newdata must have the covariate column {name!r}")
            col = frame[name]
            if levels is None:
                parts.append(col.to_numpy(dtype=float)[None, :])
            else:
                vals = col.to_numpy()
                unknown = ~pd.Series(vals).isin(levels).to_numpy()
                if unknown.any():
                    raise ValueError(
                        f"newdata column {name!r} has a level the model does not know: "
                        f"{vals[np.flatnonzero(unknown)[0]]!r}"
                    )
                parts.append(np.vstack([vals == lev for lev in levels[1:]]).astype(float))
        # (n, p) as a view of a (p, n) array: the engine works on covariate rows
        return np.vstack(parts).T if parts else np.zeros((len(frame), 0))

    x = build(data)
    return x, Design(tuple(names), tuple(terms), build, tuple(covariates))


# ---- formula interface --------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FormulaParts:
    """A parsed formula evaluated on data (rows with missing values dropped)."""

    time: np.ndarray  # stop time
    start: np.ndarray | None
    event: np.ndarray
    x: np.ndarray
    design: Design
    strata: pd.Series | None
    strata_label: str | None
    cluster: pd.Series | None
    cluster_label: str | None
    offset: np.ndarray | None
    keep: np.ndarray  # rows of data used
    response: str


def _r_name(name: str) -> str:
    """formulaic's ``x[T.a]`` -> R's ``xa``."""
    return re.sub(r"\[T\.(.*?)\]", r"\1", name)


def _call_args(expr: str, fname: str) -> list[str]:
    """The argument expressions of ``fname(a, b)``."""
    try:
        node = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"formula: cannot read {expr!r}") from None
    if not (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == fname
    ):
        raise ValueError(f"formula: expected {fname}(...), but found {expr!r}")
    if node.keywords:
        raise ValueError(f"formula: {fname}() takes no keyword arguments, but {expr!r} has some")
    return [ast.unparse(a) for a in node.args]


def _evaluate(expr: str, data: pd.DataFrame) -> pd.Series:
    """One formula argument (a column name or a Python expression over columns)."""
    if expr in data.columns:
        return data[expr]
    names = {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}
    scope = {c: data[c] for c in names if c in data.columns}
    try:
        value = eval(compile(expr, "<formula>", "eval"), {**_CONTEXT, "__builtins__": {}}, scope)
    except Exception as exc:
        raise ValueError(f"formula: cannot evaluate {expr!r} on data: {exc}") from None
    if np.ndim(value) == 0:
        value = np.full(len(data), value)
    return pd.Series(np.asarray(value), index=data.index)


def _surv_event(values: pd.Series, expr: str) -> np.ndarray:
    """R ``Surv`` status: logical, 0/1, or 1/2 (2 = event)."""
    arr = values.to_numpy()
    if arr.dtype == bool:
        return arr
    try:
        num = arr.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"formula: the event {expr!r} must be 0/1, 1/2 or logical") from None
    if num.size and np.nanmax(num) == 2:
        num = num - 1  # R: status coded 1/2
    bad = ~np.isin(num, (0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"formula: the event {expr!r} must be 0/1, 1/2 or logical, but row {i} is {arr[i]!r}"
        )
    return num == 1


def formula_design(formula: str, data: pd.DataFrame) -> FormulaParts:
    """Parse an R survival formula with formulaic and evaluate it on ``data``."""
    from formulaic import Formula, model_matrix

    try:
        parsed = Formula(formula)
    except Exception as exc:
        raise ValueError(f"formula {formula!r} cannot be parsed: {exc}") from None
    if not hasattr(parsed, "lhs") or len(parsed.lhs) != 1:
        raise ValueError(f"formula must be 'Surv(...) ~ covariates', but was {formula!r}")
    lhs = str(parsed.lhs[0])
    surv = _call_args(lhs, "Surv")
    if not 1 <= len(surv) <= 3:
        raise ValueError(
            f"formula: Surv() takes (time, event) or (start, stop, event), but was {lhs!r}"
        )
    terms, specials = [], {k: [] for k in _SPECIALS}
    for term in parsed.rhs:
        label = str(term)
        head = label.split("(", 1)[0].strip()
        if head in _SPECIALS and len(term.factors) == 1:
            specials[head].extend(_call_args(label, head))
        elif any(str(f.expr).split("(", 1)[0].strip() in _SPECIALS for f in term.factors):
            raise ValueError(
                f"formula: {label!r}: strata(), cluster() and offset() cannot be in an interaction"
            )
        elif label not in ("1", "0"):
            terms.append(label)
    if not terms:
        raise ValueError(f"formula must have at least one covariate, but {formula!r} has none")
    if len(specials["cluster"]) > 1:
        raise ValueError("formula can have one cluster() variable")
    needed = sorted(v for v in parsed.required_variables if v in data.columns)
    keep = ~data[needed].isna().any(axis=1).to_numpy() if needed else np.ones(len(data), bool)
    sub = data.loc[keep]
    if len(sub) == 0:
        raise ValueError("formula: no rows are left after dropping rows with missing values")
    rhs = "1 + " + " + ".join(terms)
    try:
        mm = model_matrix(rhs, sub, context=_CONTEXT)
    except Exception as exc:
        raise ValueError(f"formula: cannot build the covariates {rhs!r}: {exc}") from None
    spec = mm.model_spec
    cols = list(mm.columns)
    drop = cols.index("Intercept") if "Intercept" in cols else None
    keep_cols = [i for i in range(len(cols)) if i != drop]
    names = tuple(_r_name(cols[i]) for i in keep_cols)
    pos = {c: k for k, c in enumerate(keep_cols)}
    term_list = []
    for term, idx in spec.term_indices.items():
        idx = tuple(pos[i] for i in idx if i in pos)
        if idx:
            term_list.append((str(term), idx))

    def build(frame: pd.DataFrame) -> np.ndarray:
        new = spec.get_model_matrix(frame, context=_CONTEXT)
        return np.asarray(new, dtype=float)[:, keep_cols]

    x = np.asarray(mm, dtype=float)[:, keep_cols]
    variables = tuple(sorted(v for v in parsed.rhs.required_variables if v in data.columns))
    design = Design(names, tuple(term_list), build, variables)
    times = [_evaluate(a, sub) for a in surv]
    if len(surv) == 1:
        time, start, event = times[0], None, np.ones(len(sub), dtype=bool)
    else:
        event = _surv_event(times[-1], surv[-1])
        time = times[-2]
        start = times[0] if len(surv) == 3 else None
    strata = label = None
    if specials["strata"]:
        parts = [_evaluate(a, sub) for a in specials["strata"]]
        if len(parts) == 1:
            strata, label = parts[0], specials["strata"][0]
        else:
            labs = [
                pd.Series([f"{a}={v}" for v in p], index=sub.index)
                for a, p in zip(specials["strata"], parts, strict=True)
            ]
            strata = labs[0].str.cat(labs[1:], sep=", ")
            label = ", ".join(specials["strata"])
    cluster = cluster_label = None
    if specials["cluster"]:
        cluster_label = specials["cluster"][0]
        cluster = _evaluate(cluster_label, sub)
    offset = None
    if specials["offset"]:
        offset = np.sum(
            [_evaluate(a, sub).to_numpy(dtype=float) for a in specials["offset"]], axis=0
        )
    return FormulaParts(
        time=np.asarray(time.to_numpy()),
        start=None if start is None else np.asarray(start.to_numpy()),
        event=np.asarray(event),
        x=x,
        design=design,
        strata=strata,
        strata_label=label,
        cluster=cluster,
        cluster_label=cluster_label,
        offset=offset,
        keep=keep,
        response=lhs,
    )
