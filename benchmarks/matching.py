"""Time greedy nearest-neighbour matching (:func:`evalkit.matching.match_nearest`).

An Aalborg-sized comparison: 2,500 participants, 10,000 potential controls, three
covariates. The propensity model is fitted by statsmodels inside ``match_nearest``; the
script times that fit on its own in the same run and prints the matching's cost as a ratio
to it (the matching itself should add little to the model fit). Run with::

    .venv/bin/python benchmarks/matching.py [--treated 2500] [--controls 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _timing import best_of

from evalkit.compare import propensity_score
from evalkit.matching import match_nearest


def make_data(n_t: int, n_c: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_t + n_c
    return pd.DataFrame(
        {
            "t": np.r_[np.ones(n_t, int), np.zeros(n_c, int)],
            "age": rng.normal(40, 10, n) + np.r_[np.full(n_t, 3.0), np.zeros(n_c)],
            "weeks": rng.integers(0, 53, n),
            "sex": rng.choice(["K", "M"], n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--treated", type=int, default=2500)
    parser.add_argument("--controls", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = make_data(args.treated, args.controls)
    covs = ["age", "weeks", "sex"]
    match_nearest(data.iloc[::25], "t", ["age"])  # imports
    fit = best_of(lambda: propensity_score(data, "t", covs), args.repeat)
    match = best_of(lambda: match_nearest(data, "t", covs), args.repeat)
    print(f"{args.treated} treated, {args.controls} controls, covariates {covs}")
    print(f"propensity model (statsmodels): {fit:.3f} s")
    print(f"match_nearest (model + matching): {match:.3f} s  ratio {match / fit:.2f}x the fit")


if __name__ == "__main__":
    main()
