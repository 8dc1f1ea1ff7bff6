#!/usr/bin/env python3
"""sklearn goldens for flint.metrics (lib/metrics): test/fixtures/metrics.json.

Run with Debian's python3-sklearn:  /usr/bin/python3 scripts/gen_sklearn_fixtures.py

Fixed predictions chosen to reach the edge cases: classes missing from y_true or from y_pred
(zero division in precision or recall), classes missing from both (included only when labels
are given), a binary task, explicit label subsets, ties in the scores for argmax and top-k,
and regression targets in one and two columns. Each case records the inputs, the sklearn call
(as the options flint takes) and sklearn's result; flint's tests compare to 1e-12.

Deterministic: no randomness, cases in the order written. Re-running leaves `git status` clean.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

warnings.simplefilter("ignore")  # UndefinedMetricWarning: the values are what is compared

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "metrics.json")

AVERAGES = [None, "micro", "macro", "weighted"]


def f(v):
    """plain floats / lists for JSON"""
    if isinstance(v, np.ndarray):
        return [f(x) for x in v.tolist()]
    if isinstance(v, list):
        return [f(x) for x in v]
    return float(v)


def classification():
    cases = []

    def add(name, y_true, y_pred, label_opts=({},), averages=AVERAGES, scores=None):
        # y_pred may be given as scores [N, C]: flint takes its argmax (first maximum, as np.argmax)
        pred = np.argmax(np.array(scores), axis=1).tolist() if scores is not None else y_pred
        results = []
        for lo in label_opts:
            labels = list(range(lo["numClasses"])) if "numClasses" in lo else lo.get("labels")
            for avg in averages:
                for zd in (0, 1):
                    kw = dict(labels=labels, average=avg, zero_division=zd)
                    if avg == "binary":
                        kw["pos_label"] = lo.get("posLabel", 1)
                    p, r, fs, _ = M.precision_recall_fscore_support(y_true, pred, beta=1.0, **kw)
                    _, _, f05, _ = M.precision_recall_fscore_support(y_true, pred, beta=0.5, **kw)
                    results.append({"options": {**lo, "average": avg, "zeroDivision": zd},
                                    "precision": f(p), "recall": f(r), "f1": f(fs), "fbeta0.5": f(f05),
                                    "precision_score": f(M.precision_score(y_true, pred, **kw)),
                                    "f1_score": f(M.f1_score(y_true, pred, **kw))})
            try:
                cms = {"none": M.confusion_matrix(y_true, pred, labels=labels).tolist()}
                for norm in ("true", "pred", "all"):
                    cms[norm] = f(M.confusion_matrix(y_true, pred, labels=labels, normalize=norm))
            except ValueError as e:  # sklearn refuses labels that hold no true sample
                cms = {"error": str(e)}
            results.append({"options": lo, "confusion": cms})
        cases.append({"name": name, "yTrue": y_true, "yPred": scores if scores is not None else y_pred,
                      "accuracy": f(M.accuracy_score(y_true, pred)),
                      "accuracyCount": f(M.accuracy_score(y_true, pred, normalize=False)),
                      "results": results})

    add("three classes, all present",
        [0, 1, 2, 2, 1, 0, 1, 2, 0, 0], [0, 2, 2, 2, 0, 0, 1, 1, 0, 1])
    add("class 3 only in yTrue, class 4 only in yPred, class 2 in neither",
        [0, 1, 3, 3, 1, 0, 1, 0, 3], [0, 1, 1, 4, 1, 0, 4, 0, 0],
        label_opts=({}, {"numClasses": 5}, {"labels": [4, 0, 3]}))
    add("a class never predicted and one never true (zero divisions)",
        [0, 0, 1, 1, 1, 2, 2], [0, 3, 1, 1, 0, 0, 0], label_opts=({}, {"numClasses": 4}))
    add("all wrong", [0, 1, 2, 0], [1, 2, 0, 2])
    add("labels holding no true sample (weighted with zero support)",
        [0, 0, 1, 1], [0, 2, 1, 2], label_opts=({"labels": [2]}, {"labels": [2, 3]}))
    add("nothing predicted or true for the labels", [0, 0, 1], [0, 0, 1], label_opts=({"labels": [3]},))
    add("binary", [0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1, 1, 0],
        label_opts=({}, {"posLabel": 0}), averages=AVERAGES + ["binary"])
    add("binary, positive class never predicted", [0, 1, 1, 0], [0, 0, 0, 0], averages=["binary", "macro"])
    add("scores with ties: argmax takes the first maximum",
        [2, 0, 1, 1, 2, 0], None,
        scores=[[0.2, 0.5, 0.5], [0.4, 0.4, 0.2], [0.1, 0.7, 0.7], [0.3, 0.3, 0.3], [0.0, 0.0, 1.0], [2.0, -1.0, 2.0]])
    return cases


def topk():
    cases = []
    y_true = [0, 1, 2, 3, 1, 2, 0, 3]
    scores = [[0.1, 0.4, 0.4, 0.1],   # tie between 1 and 2 (true 0)
              [0.3, 0.3, 0.3, 0.1],   # three-way tie (true 1)
              [0.2, 0.2, 0.5, 0.1],
              [0.25, 0.25, 0.25, 0.25],  # all tied (true 3)
              [0.5, 0.1, 0.3, 0.1],
              [0.4, 0.1, 0.1, 0.4],
              [0.9, 0.05, 0.03, 0.02],
              [0.1, 0.2, 0.3, 0.4]]
    for k in (1, 2, 3, 4):
        cases.append({"name": f"4 classes with ties, k={k}", "yTrue": y_true, "yScore": scores, "k": k,
                      "value": f(M.top_k_accuracy_score(y_true, scores, k=k, labels=[0, 1, 2, 3])),
                      "count": f(M.top_k_accuracy_score(y_true, scores, k=k, labels=[0, 1, 2, 3], normalize=False))})
    # a class absent from y_true: sklearn needs labels for the score columns
    cases.append({"name": "a class absent from yTrue", "yTrue": [0, 0, 2], "yScore": [[1, 2, 3], [3, 2, 1], [2, 2, 2]], "k": 2,
                  "value": f(M.top_k_accuracy_score([0, 0, 2], [[1, 2, 3], [3, 2, 1], [2, 2, 2]], k=2, labels=[0, 1, 2])),
                  "count": f(M.top_k_accuracy_score([0, 0, 2], [[1, 2, 3], [3, 2, 1], [2, 2, 2]], k=2, labels=[0, 1, 2],
                                                    normalize=False))})
    return cases


def regression():
    cases = []
    y1 = [3.0, -0.5, 2.0, 7.0, 0.1, 1e-3, 12.5]
    p1 = [2.5, 0.0, 2.0, 8.0, -0.3, 2e-3, 11.0]
    y2 = [[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0]]
    p2 = [[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0]]
    for name, y, p in (("one column", y1, p1), ("two columns", y2, p2)):
        cases.append({"name": name, "yTrue": y, "yPred": p,
                      "mse": f(M.mean_squared_error(y, p)), "mae": f(M.mean_absolute_error(y, p))})
    return cases


def main():
    out = {"generator": "scripts/gen_sklearn_fixtures.py", "sklearn": sklearn.__version__,
           "classification": classification(), "topk": topk(), "regression": regression()}
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
