"""Reference per-label precision/recall/F1 and macro-F1 from scikit-learn, for MetricsTests.

Run once with scikit-learn in a throwaway venv (not part of the build):
    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python Tests/Fixtures/classification/make_classification_fixture.py > Tests/Fixtures/classification/sklearn-classification.json
The labels are the reference labels, so a garbled answer counts against its reference's recall
without becoming a class of its own (f1_score(..., labels=<reference labels>)).
"""
import json
import random

import sklearn
from sklearn.metrics import classification_report, f1_score


def case(name, references, predictions):
    labels = sorted(set(references))
    report = classification_report(references, predictions, labels=labels, output_dict=True, zero_division=0)
    return {
        "name": name,
        "references": references,
        "predictions": predictions,
        "labels": labels,
        "per_label": {label: {"precision": report[label]["precision"], "recall": report[label]["recall"],
                              "f1": report[label]["f1-score"], "support": int(report[label]["support"])}
                      for label in labels},
        "macro_f1": f1_score(references, predictions, average="macro", labels=labels, zero_division=0),
    }


def support_routing_like(seed):
    """15 queue labels, 210 examples; answers right about 2 times in 3, else another label or noise."""
    rng = random.Random(seed)
    queues = ["account_access", "billing_refund", "cancel_subscription", "damaged_item", "delivery_delay",
              "duplicate_charge", "gift_card", "invoice_request", "missing_item", "payment_failed",
              "price_match", "product_question", "return_request", "shipping_address", "warranty_claim"]
    references = [queues[i % len(queues)] for i in range(210)]
    rng.shuffle(references)
    predictions = []
    for reference in references:
        roll = rng.random()
        if roll < 0.67:
            predictions.append(reference)
        elif roll < 0.9:
            predictions.append(rng.choice(queues[:8]))   # skewed confusions toward a few queues
        else:
            predictions.append(rng.choice(["billing", "I think this is", "", "refund_request"]))
    return references, predictions


cases = [
    case("small", ["a", "a", "b", "b", "c", "c"], ["a", "b", "b", "b", "a", "x"]),
    case("never_predicted", ["cat", "cat", "dog", "dog", "dog", "bird", "bird"],
         ["cat", "dog", "dog", "dog", "cat", "cat", "dog"]),
    case("all_garbled", ["yes", "yes", "no", "no"], ["maybe", "", "ok", "n"]),
    case("perfect", ["x", "y", "x", "y"], ["x", "y", "x", "y"]),
]
references, predictions = support_routing_like(7)
cases.append(case("support_routing_like", references, predictions))
print(json.dumps({"sklearn_version": sklearn.__version__, "cases": cases}, indent=1, sort_keys=True))
