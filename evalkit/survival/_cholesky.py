"""Generalised Cholesky routines of R ``survival`` (private).

The Cox engine decides which covariates cannot be estimated exactly as R ``coxph``
does: with the ``L D L'`` decomposition of ``cholesky2.c``, which sets a pivot to zero
when it falls below ``toler`` times the largest diagonal element, and the solver and
inverse that treat such a column as absent (``chsolve2.c``, ``chinv2.c``). A
redundant column thus gets a zero step, a zero row and column in the inverse, and the
caller reports its coefficient as NA. The loops run over the covariates only (``p`` is
small); each step is a vectorised row operation.

References
----------
Therneau T (2023). *survival*, R package 3.5-3: ``src/cholesky2.c``, ``chsolve2.c``,
``chinv2.c``, ``coxph_wtest.c``.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

#: R ``coxph.control()$toler.chol``
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75


def cholesky2(matrix: np.ndarray, toler: float = TOLER_CHOL) -> tuple[np.ndarray, int]:
    """``L D L'`` of a symmetric matrix as R ``cholesky2``: (factor, signed rank).

    The factor holds ``D`` on the diagonal and ``L`` (unit diagonal) below it; a pivot
    below ``toler * max(diag)`` (or not finite) is set to 0 and its column skipped. The
    rank is negative when a pivot is clearly negative (not semi-definite).
    """
    m = np.array(matrix, dtype=float)
    n = m.shape[0]
    upper = np.triu(m)
    m = upper + np.triu(m, 1).T  # R copies the upper triangle into the lower one
    diag = np.diag(m)
    with np.errstate(invalid="ignore"):
        pos = diag[diag > 0]
    eps = float(pos.max()) * toler if pos.size else toler
    rank, nonneg = 0, 1
    for i in range(n):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            if pivot < -8 * eps:
                nonneg = -1
            continue
        rank += 1
        col = m[i + 1 :, i].copy()
        m[i + 1 :, i + 1 :] -= np.outer(col, col) / pivot
        m[i + 1 :, i] = col / pivot
    return m, rank * nonneg


def chsolve2(factor: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve ``A b = y`` from the :func:`cholesky2` factor (R ``chsolve2``)."""
    n = factor.shape[0]
    b = np.array(y, dtype=float)
    for i in range(n):
        b[i] -= b[:i] @ factor[i, :i]
    for i in range(n - 1, -1, -1):
        if factor[i, i] == 0:
            b[i] = 0.0
        else:
            b[i] = b[i] / factor[i, i] - b[i + 1 :] @ factor[i + 1 :, i]
    return b


def chinv2(factor: np.ndarray) -> np.ndarray:
    """Inverse of the matrix from its :func:`cholesky2` factor (R ``chinv2``).

    Rows and columns of skipped pivots are zero, as in R.
    """
    m = np.array(factor, dtype=float)
    n = m.shape[0]
    for i in range(n):  # invert L (below the diagonal) and D
        if m[i, i] > 0:
            m[i, i] = 1.0 / m[i, i]
            m[i + 1 :, i] = -m[i + 1 :, i]
            if i > 0:
                m[i + 1 :, :i] += np.outer(m[i + 1 :, i], m[i, :i])
    low = np.tril(m, -1)
    out = np.zeros_like(m)
    for i in range(n):  # F' D F
        if m[i, i] == 0:
            continue
        temp = low[i + 1 :, i] * np.diag(m)[i + 1 :]
        row = np.concatenate(([m[i, i]], temp))
        row = row + low[i + 1 :, i:].T @ temp
        out[i, i:] = row
    singular = np.diag(m) == 0
    out = np.triu(out) + np.triu(out, 1).T
    out[singular, :] = 0.0
    out[:, singular] = 0.0
    return out


def wald_test(var: np.ndarray, b: np.ndarray, toler: float = TOLER_CHOL) -> tuple[float, int]:
    """``b' var^- b`` and its degrees of freedom, as R ``coxph.wtest``."""
    b = np.asarray(b, dtype=float)
    if b.size == 0:
        return 0.0, 0
    var = np.atleast_2d(np.asarray(var, dtype=float))
    if b.size == 1:
        return float(b[0] * b[0] / var[0, 0]), 1
    factor, _ = cholesky2(var, toler)
    df = int(np.sum(np.diag(factor) > 0))
    return float(b @ chsolve2(factor, b)), df
