"""Cohen's kappa fixture cases computed by scikit-learn's `cohen_kappa_score` (unweighted, linear
and quadratic weights), for Tollgate's `CohenKappa` (Tests/MetricsTests/CohenKappaTests.swift).

Cases are small rater pairs that exercise what a judge calibration meets: perfect agreement,
agreement below chance, a rater that always says one label, uneven marginals, three labels
(pairwise A/B/TIE), a 1-5 scale (weighted forms) and 100 seeded random pairs. A case whose kappa
is undefined in scikit-learn (0/0: both raters used one and the same label) is written as null.

    python3 -m venv .build/kappa-venv && .build/kappa-venv/bin/pip install scikit-learn==1.5.2
    .build/kappa-venv/bin/python Tests/Interop/kappa_reference.py Tests/Fixtures/kappa-cases.json
"""
import json
import math
import random
import sys
import warnings

import sklearn
from sklearn.metrics import cohen_kappa_score


def case(name, labels, first, second):
    out = {"name": name, "labels": labels, "first": first, "second": second}
    for weights in (None, "linear", "quadratic"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(cohen_kappa_score(first, second, labels=labels, weights=weights))
        out[weights or "none"] = None if math.isnan(value) else value
    return out


def main(path):
    pf = ["FAIL", "PASS"]
    rng = random.Random(26)
    random_first = [rng.choice(pf) for _ in range(100)]
    random_second = [a if rng.random() < 0.7 else rng.choice(pf) for a in random_first]
    scale = ["1", "2", "3", "4", "5"]
    scale_first = [rng.choice(scale) for _ in range(60)]
    scale_second = [str(min(5, max(1, int(a) + rng.choice([-2, -1, 0, 0, 0, 1])))) for a in scale_first]
    cases = [
        case("perfect", pf, ["PASS", "FAIL", "PASS", "PASS"], ["PASS", "FAIL", "PASS", "PASS"]),
        case("opposite", pf, ["PASS", "FAIL", "PASS", "FAIL"], ["FAIL", "PASS", "FAIL", "PASS"]),
        case("constant-judge", pf, ["PASS"] * 6, ["PASS", "PASS", "FAIL", "PASS", "FAIL", "PASS"]),
        case("both-constant", pf, ["PASS"] * 5, ["PASS"] * 5),
        case("uneven", pf, ["PASS"] * 8 + ["FAIL"] * 2 + ["PASS"] * 3, ["PASS"] * 7 + ["FAIL"] * 4 + ["PASS"] * 2),
        case("three-labels", ["A", "B", "TIE"], ["A", "B", "TIE", "A", "A", "B", "TIE", "B"], ["A", "B", "A", "A", "TIE", "B", "TIE", "A"]),
        case("random-100", pf, random_first, random_second),
        case("scale-1-5", scale, scale_first, scale_second),
    ]
    with open(path, "w") as handle:
        json.dump({"made_by": f"scikit-learn {sklearn.__version__} cohen_kappa_score", "cases": cases}, handle, indent=1)
        handle.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
