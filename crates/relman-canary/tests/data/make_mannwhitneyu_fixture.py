"""Writes mannwhitneyu.json: cases of scipy.stats.mannwhitneyu(x, y, alternative="two-sided")
with the default method="auto", for tests/scipy_agreement.rs.

Run once, by hand (scipy is not a test dependency):
    python3 make_mannwhitneyu_fixture.py > mannwhitneyu.json
"""
import json
import random
import sys

import scipy
from scipy.stats import mannwhitneyu


def sample(rng, n, ties, shift):
    if ties:
        # few distinct values, so ties are likely
        return [float(rng.randint(0, 5) + shift) for _ in range(n)]
    return [round(rng.gauss(shift, 1.0), 6) for _ in range(n)]


def main():
    rng = random.Random(20261205)
    cases = []
    sizes = [(n1, n2) for n1 in range(1, 9) for n2 in range(1, 9)]  # both <= 8: exact path
    sizes = rng.sample(sizes, 40)
    sizes += [(rng.randint(1, 8), rng.randint(9, 30)) for _ in range(30)]  # one <= 8
    sizes += [(rng.randint(9, 30), rng.randint(1, 8)) for _ in range(20)]
    sizes += [(rng.randint(9, 30), rng.randint(9, 30)) for _ in range(20)]  # both > 8
    for i, (n1, n2) in enumerate(sizes):
        for ties in (False, True):
            shift = rng.choice([0.0, 0.5, 1.0, 3.0])
            x = sample(rng, n1, ties, shift)
            y = sample(rng, n2, ties, 0.0)
            res = mannwhitneyu(x, y, alternative="two-sided")
            cases.append({
                "x": x,
                "y": y,
                "statistic": float(res.statistic),
                "p_value": float(res.pvalue),
            })
    # every value tied, and the extremes of the exact distribution
    for x, y in [([2.0] * 9, [2.0] * 11), ([1.0], [2.0]), ([9.0, 8.0, 7.0], [1.0, 2.0, 3.0])]:
        res = mannwhitneyu(x, y, alternative="two-sided")
        cases.append({"x": x, "y": y, "statistic": float(res.statistic), "p_value": float(res.pvalue)})
    json.dump({"scipy": scipy.__version__, "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
