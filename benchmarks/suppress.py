"""Time secondary suppression (:func:`evalkit.disclosure.suppress`): optimal vs greedy.

Hedensted's two answer distributions as the demo renders them (4 rows x 5 answers, the
``Svar 4-5`` sums published or protected, ``Svar (n)`` shown), and random count tables
of growing size (a tenth of the cells or more below the threshold). For each: the number
of secondary cells (``x``) and the best time of ``--repeat`` runs, for
``method="optimal"`` and ``method="greedy"``. Run with::

    .venv/bin/python benchmarks/suppress.py [--repeat 5]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _timing import best_of

from evalkit.disclosure import suppress

_COLS = [f"Svar {v}" for v in range(1, 6)]
_ROWS = ["Jobparate: medinddragende", "Jobparate: viden",
         "Forsikrede: medinddragende", "Forsikrede: viden"]  # fmt: skip
HEDENSTED = {
    "Hedensted slutevaluering": (
        [[2, 1, 1, 15, 18], [1, 2, 2, 15, 17], [6, 2, 3, 77, 71], [7, 4, 9, 67, 72]],
        [1, 2, 3],
    ),
    "Hedensted statusrapport": (
        [[1, 1, 1, 7, 15], [1, 1, 1, 9, 13], [2, 1, 3, 50, 43], [3, 2, 4, 39, 51]],
        [2, 3],
    ),
}


def cases() -> list[tuple[str, pd.DataFrame, dict]]:
    out = []
    for name, (rows, published) in HEDENSTED.items():
        t = pd.DataFrame(rows, index=_ROWS, columns=_COLS)
        high = _COLS[3:]
        kw = {
            "sums": [(_ROWS[i], high) for i in published],
            "protect": [(r, high) for r in _ROWS],
            "row_totals_shown": True,
        }
        out.append((name, t, kw))
    rng = np.random.default_rng(1)
    for shape in [(6, 6), (10, 8), (15, 10), (20, 14)]:
        counts = rng.choice([0, 1, 2, 3, 4, 8, 15, 40, 120], size=shape,
                            p=[.1, .05, .05, .05, .05, .2, .2, .2, .1])  # fmt: skip
        out.append((f"random {shape[0]} x {shape[1]}", pd.DataFrame(counts), {}))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"{'table':28} {'method':8} {'x':>4} {'best s':>8}")
    for name, t, kw in cases():
        for method in ("optimal", "greedy"):
            res = suppress(t, method=method, **kw)
            x = int((res.mask.to_numpy() & ~res.primary.to_numpy()).sum())
            best = best_of(lambda t=t, kw=kw, m=method: suppress(t, method=m, **kw), args.repeat)
            print(f"{name:28} {method:8} {x:4d} {best:8.3f}")


if __name__ == "__main__":
    main()
