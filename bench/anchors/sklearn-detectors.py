#!/usr/bin/python3
"""scikit-learn's figures for the classic detector kinds, on FD001's reference windows.

Builds the windows exactly like shared/anchors/reference_lstm_ae.py (14 kept sensors, z-score on the healthy rows of
training units 1-70, 30-cycle windows; train = healthy windows of units 1-70, test = every window of units 81-100,
anomalous when RUL <= 30) and writes:
  (a) small fixtures for the unit tests of src/detectors/<kind>/ (200 training and 100 test windows picked by index,
      computed in float64 so that our code can be compared within float tolerance), and
  (b) the full-size figures (ROC-AUC and PR-AUC on the 3,913 test windows, fit and score times on this machine) to
      bench/anchors/sklearn-detectors.json, which `npm run bench:detectors` prints beside ours.

Window summary features (the 'summary' feature choice of the isolation forest and the local outlier factor), per
sensor over the window's cycles: mean, least-squares slope per cycle, population std, last value; laid out as
[mean of each sensor, slope of each sensor, std of each sensor, last value of each sensor].

Run with Debian's interpreter (sklearn 1.2; not needed by CI: the outputs are committed):
    /usr/bin/python3 bench/anchors/sklearn-detectors.py
"""
import argparse
import json
import os
import platform
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
DATA = os.path.join(ROOT, "data", "cmapss", "train_FD001.txt.gz")
OUT = os.path.join(HERE, "sklearn-detectors.json")
DETECTORS = os.path.join(ROOT, "src", "detectors")

KEPT_SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21]
WINDOW = 30
HEALTHY_RUL = 100
ANOMALY_RUL = 30
TRAIN_UNITS = range(1, 71)
CAL_UNITS = range(71, 81)
TEST_UNITS = range(81, 101)

# The fixtures' windows: every 25th training window (200) and every 39th test window (100).
FIXTURE_TRAIN = np.arange(200) * 25
FIXTURE_TEST = np.arange(100) * 39
NEIGHBOURS = 20


# ---------------------------------------------------------------- data, as the reference prepares it
def load_fd001(path):
    raw = np.loadtxt(path)
    unit, cycle = raw[:, 0].astype(int), raw[:, 1].astype(int)
    last = {u: cycle[unit == u].max() for u in np.unique(unit)}
    rul = np.array([last[u] for u in unit]) - cycle
    sensors = raw[:, [4 + s for s in KEPT_SENSORS]]
    return unit, rul, sensors


def windows_for(units, unit, rul, x, keep):
    xs, ends = [], []
    for u in units:
        idx = np.flatnonzero(unit == u)
        for end in range(WINDOW - 1, len(idx)):
            r = rul[idx[end]]
            if keep(r):
                xs.append(x[idx[end - WINDOW + 1: end + 1]])
                ends.append(r)
    return np.stack(xs).astype(np.float32), np.array(ends)


def prepare(path):
    unit, rul, sensors = load_fd001(path)
    fit_rows = np.isin(unit, list(TRAIN_UNITS)) & (rul > HEALTHY_RUL)
    mean, std = sensors[fit_rows].mean(0), sensors[fit_rows].std(0)
    x = (sensors - mean) / std
    healthy = lambda r: r > HEALTHY_RUL
    train_x, _ = windows_for(TRAIN_UNITS, unit, rul, x, healthy)
    cal_x, _ = windows_for(CAL_UNITS, unit, rul, x, healthy)
    test_x, test_rul = windows_for(TEST_UNITS, unit, rul, x, lambda r: True)
    return train_x, cal_x, test_x, (test_rul <= ANOMALY_RUL).astype(int)


# ---------------------------------------------------------------- features
def flat(a):
    return a.reshape(len(a), -1)


def summary(a):
    """Per sensor: mean, least-squares slope per cycle, population std, last value (float64)."""
    a = a.astype(np.float64)
    t = np.arange(a.shape[1], dtype=np.float64)
    t -= t.mean()
    mean = a.mean(1)
    slope = (t[None, :, None] * (a - mean[:, None, :])).sum(1) / (t * t).sum()
    std = a.std(1)
    return np.concatenate([mean, slope, std, a[:, -1, :]], axis=1)


def standardise(train, *others):
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1.0
    return [(m - mean) / std for m in (train, *others)]


def ranking(y, s):
    return {"rocAuc": float(roc_auc_score(y, s)), "prAuc": float(average_precision_score(y, s))}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# ---------------------------------------------------------------- detectors as scikit-learn runs them
def isolation_forest(train, test):
    model, fit_s = timed(lambda: IsolationForest(n_estimators=200, random_state=0).fit(train))
    scores, score_s = timed(lambda: -model.score_samples(test))
    return scores, fit_s, score_s


def pca_reconstruction(train, test):
    model, fit_s = timed(lambda: PCA(n_components=0.95, svd_solver="full").fit(train))

    def score():
        recon = model.inverse_transform(model.transform(test))
        return ((recon - test) ** 2).mean(1)

    scores, score_s = timed(score)
    return scores, fit_s, score_s, model


def local_outlier_factor(train, test):
    model, fit_s = timed(lambda: LocalOutlierFactor(n_neighbors=NEIGHBOURS, novelty=True).fit(train))
    scores, score_s = timed(lambda: -model.score_samples(test))
    return scores, fit_s, score_s


def robust_z(train, test, recent=10):
    """numpy's version of the z-score kind: median and MAD x 1.4826 over every cycle of every training window."""
    cells = train.reshape(-1, train.shape[2]).astype(np.float64)
    median = np.median(cells, 0)
    scale = np.median(np.abs(cells - median), 0) * 1.4826
    z = np.abs((test[:, -recent:, :].astype(np.float64) - median) / scale).mean(1)
    return z.mean(1)


# ---------------------------------------------------------------- outputs
def fixtures(train_x, test_x, test_y):
    tr, te = train_x[FIXTURE_TRAIN], test_x[FIXTURE_TEST]
    common = {"trainIndices": FIXTURE_TRAIN.tolist(), "testIndices": FIXTURE_TEST.tolist(),
              "testLabels": test_y[FIXTURE_TEST].tolist(), "sklearn": sklearn.__version__}

    scores, _, _, model = pca_reconstruction(flat(tr).astype(np.float64), flat(te).astype(np.float64))
    pca = {**common, "components": int(model.n_components_),
           "explainedVarianceRatio": model.explained_variance_ratio_[:10].tolist(), "scores": scores.tolist()}

    s_tr, s_te = standardise(summary(tr), summary(te))
    scores, _, _ = local_outlier_factor(s_tr, s_te)
    lof = {**common, "neighbours": NEIGHBOURS, "features": "summary, standardised on the training windows",
           "scores": scores.tolist()}

    flat_scores, _, _ = isolation_forest(flat(tr), flat(te))
    summary_scores, _, _ = isolation_forest(summary(tr).astype(np.float32), summary(te).astype(np.float32))
    sizes = [1, 2, 3, 4, 5, 10, 100, 200, 256, 1000, 5032]
    forest = {**common, "averagePathLength": {str(n): float(_average_path_length(np.array([n]))[0]) for n in sizes},
              "flattened": {"scores": flat_scores.tolist(), **ranking(test_y[FIXTURE_TEST], flat_scores)},
              "summary": {"scores": summary_scores.tolist(), **ranking(test_y[FIXTURE_TEST], summary_scores)}}

    for folder, content in [("pca-reconstruction", pca), ("local-outlier-factor", lof), ("isolation-forest", forest)]:
        path = os.path.join(DETECTORS, folder, "sklearn-fixture.json")
        with open(path, "w") as f:
            json.dump(content, f)
            f.write("\n")
        print(f"wrote {os.path.relpath(path, ROOT)}")


def full_size(train_x, test_x, test_y):
    out = {}
    scores, fit_s, score_s = isolation_forest(flat(train_x), flat(test_x))
    out["isolation-forest/flattened"] = {**ranking(test_y, scores), "fitSeconds": fit_s, "scoreSeconds": score_s,
                                         "model": "IsolationForest(n_estimators=200, random_state=0)"}
    s_tr, s_te = summary(train_x), summary(test_x)
    scores, fit_s, score_s = isolation_forest(s_tr.astype(np.float32), s_te.astype(np.float32))
    out["isolation-forest/summary"] = {**ranking(test_y, scores), "fitSeconds": fit_s, "scoreSeconds": score_s,
                                       "model": "IsolationForest(n_estimators=200, random_state=0)"}
    scores, fit_s, score_s, model = pca_reconstruction(flat(train_x), flat(test_x))
    out["pca-reconstruction"] = {**ranking(test_y, scores), "fitSeconds": fit_s, "scoreSeconds": score_s,
                                 "components": int(model.n_components_),
                                 "model": "PCA(n_components=0.95, svd_solver='full') on float32 windows"}
    z_tr, z_te = standardise(s_tr, s_te)
    scores, fit_s, score_s = local_outlier_factor(z_tr, z_te)
    out["local-outlier-factor/summary"] = {**ranking(test_y, scores), "fitSeconds": fit_s, "scoreSeconds": score_s,
                                           "model": f"LocalOutlierFactor(n_neighbors={NEIGHBOURS}, novelty=True)"}
    scores, fit_s, score_s = local_outlier_factor(flat(train_x), flat(test_x))
    out["local-outlier-factor/flattened"] = {**ranking(test_y, scores), "fitSeconds": fit_s, "scoreSeconds": score_s,
                                             "model": f"LocalOutlierFactor(n_neighbors={NEIGHBOURS}, novelty=True)"}
    scores = robust_z(train_x, test_x)
    out["z-score"] = {**ranking(test_y, scores), "model": "numpy: mean |robust z| over the last 10 cycles, mean over sensors"}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DATA, help="train_FD001.txt (or .txt.gz)")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--no-fixtures", action="store_true", help="only the full-size figures")
    args = ap.parse_args()

    train_x, cal_x, test_x, test_y = prepare(args.data)
    counts = {"trainWindows": len(train_x), "calibrationWindows": len(cal_x), "testWindows": len(test_x),
              "testAnomalous": int(test_y.sum())}
    print("[data] " + json.dumps(counts))
    if not args.no_fixtures:
        fixtures(train_x, test_x, test_y)
    figures = full_size(train_x, test_x, test_y)
    for name, figure in figures.items():
        print(f"[{name}] " + json.dumps(figure))
    summary_out = {"environment": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                                   "numpy": np.__version__, "machine": platform.machine()},
                   "counts": counts, "detectors": figures}
    with open(args.out, "w") as f:
        json.dump(summary_out, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
