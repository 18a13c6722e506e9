#!/usr/bin/env python3
"""Scores a labelled CSV with scikit-learn's IsolationForest, for bench/iforest-vs-sklearn.ts.

Usage: iforest-vs-sklearn.py IN.csv OUT.txt [--seed N] [--contamination C] [--time-rows N] [--extra PREFIX]
IN.csv: header line, then label,f0,...,f9 per row (the label is ignored for fitting).
OUT.txt: one anomaly score per line, s = -score_samples(x) in (0, 1], the same scale as
Liu et al. 2008 and as our TypeScript forest (higher = more anomalous).
With --time-rows N it also fits on N random 10-feature rows and prints the median fit time.
With --extra PREFIX it also writes PREFIX.seed2.txt (scores of a forest with the next seed: the
run-to-run noise floor) and PREFIX.avg10.txt (mean scores of 10 forests, seeds seed..seed+9).
"""
import argparse
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--contamination", type=float, default=0.05)
    p.add_argument("--time-rows", type=int, default=0)
    p.add_argument("--extra", default="")
    a = p.parse_args()

    data = np.loadtxt(a.csv, delimiter=",", skiprows=1)
    X = data[:, 1:]
    forest = IsolationForest(
        n_estimators=100, max_samples="auto", contamination=a.contamination, random_state=a.seed
    )
    forest.fit(X)
    scores = -forest.score_samples(X)
    np.savetxt(a.out, scores, fmt="%.17g")
    threshold = -forest.offset_
    print(f"sklearn {sklearn.__version__}: threshold (1 - contamination quantile) {threshold:.4f}")

    def fit_scores(seed: int) -> np.ndarray:
        f = IsolationForest(n_estimators=100, contamination=a.contamination, random_state=seed).fit(X)
        return -f.score_samples(X)

    if a.extra:
        np.savetxt(a.extra + ".seed2.txt", fit_scores(a.seed + 1), fmt="%.17g")
        avg = np.mean([fit_scores(a.seed + i) for i in range(10)], axis=0)
        np.savetxt(a.extra + ".avg10.txt", avg, fmt="%.17g")

    if a.time_rows > 0:
        rng = np.random.default_rng(a.seed)
        big = rng.normal(size=(a.time_rows, X.shape[1]))
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            IsolationForest(n_estimators=100, contamination=a.contamination, random_state=a.seed).fit(big)
            times.append(time.perf_counter() - t0)
        print(f"sklearn fit on {a.time_rows} x {X.shape[1]}: median {1000 * sorted(times)[2]:.0f} ms (incl. threshold scoring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
