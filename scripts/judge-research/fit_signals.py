#!/usr/bin/env python3
"""Fits the signals judge: logistic regression without intercept on signal differences
(first - second), so swapping the outputs gives exactly 1 - P. Research tool, numpy only.

usage: fit_signals.py SIGNALS.jsonl PAIRS.jsonl SUBSETS [--features a,b,c] [--explore]

SIGNALS.jsonl is what `whet judge PAIRS.jsonl --signals SIGNALS.jsonl` writes; SUBSETS names each
pair's LLMBar subset, one a line. A fixed stratified half (seed 13) is held out; model choices
(features, L2 strength, weighting) are made by cross-validation on the other half only."""
import json, math, sys, argparse
import numpy as np

ALL = ["likelihood", "prior_likelihood", "relevance", "relevance_total", "ending", "back_likelihood",
       "instruction_similarity", "log_words", "repetition", "duplicate_lines", "echo", "violation", "empty",
       "clipped", "verdict"]

def load(sig_path, pairs_path, subsets_path):
    pairs = [json.loads(l) for l in open(pairs_path) if l.strip()]
    subsets = [l.strip() for l in open(subsets_path) if l.strip()]
    rows = {}
    for l in open(sig_path):
        r = json.loads(l); rows[r["line"]] = r
    data = []
    for i, (p, s) in enumerate(zip(pairs, subsets)):
        r = rows.get(i + 1)
        if r is None: continue
        sig = r["signals"]
        d = {n: (sig["verdict"] if n == "verdict" else sig["first"][n] - sig["second"][n]) for n in ALL}
        longer1 = len(p["output_1"]) > len(p["output_2"])
        data.append({"d": d, "y": 1.0 if p["label"] == 1 else 0.0, "subset": s,
                     "natural": s == "Natural", "longer_wins": (p["label"] == 1) == longer1,
                     "vlp": sig["verdictLogprobs"]})
    return data

def matrix(data, feats):
    return np.array([[r["d"][f] for f in feats] for r in data], dtype=float), np.array([r["y"] for r in data])

def fit(X, y, w, l2, iters=200):
    """Weighted logistic regression, no intercept, L2 penalty l2 * |beta|^2 / 2 (Newton)."""
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-X @ beta))
        g = X.T @ (w * (p - y)) + l2 * beta
        H = (X * (w * p * (1 - p))[:, None]).T @ X + l2 * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-9: break
    return beta

def weights_for(data, scheme):
    w = np.ones(len(data))
    if scheme in ("balanced", "balanced-natural"):
        lw = np.array([r["longer_wins"] for r in data])
        for v in (True, False):
            m = lw == v
            if m.sum(): w[m] = 0.5 * len(data) / m.sum()
    if scheme == "balanced-natural":
        nat = np.array([r["natural"] for r in data])
        w[nat] *= 2.0
    return w * len(data) / w.sum()

def split(data, seed=13):
    rng = np.random.RandomState(seed)
    train, test = [], []
    for s in sorted({r["subset"] for r in data}):
        idx = [i for i, r in enumerate(data) if r["subset"] == s]
        rng.shuffle(idx)
        half = len(idx) // 2
        test += idx[:half]; train += idx[half:]
    return sorted(train), sorted(test)

def predict(beta, X, scale):
    return 1 / (1 + np.exp(-(X / scale) @ beta))

def cv_score(data, feats, l2, scheme, folds=5, repeats=4):
    accs = {"all": [], "natural": [], "adv": [], "short": []}
    for rep in range(repeats):
        rng = np.random.RandomState(100 + rep)
        order = rng.permutation(len(data))
        for k in range(folds):
            te = [data[i] for i in order[k::folds]]
            tr = [data[i] for i in order if i not in set(order[k::folds])]
            X, y = matrix(tr, feats); scale = X.std(axis=0) + 1e-9
            beta = fit(X / scale, y, weights_for(tr, scheme), l2)
            Xt, yt = matrix(te, feats)
            ok = ((predict(beta, Xt, scale) > 0.5) == (yt > 0.5))
            accs["all"] += list(ok)
            accs["natural"] += [o for o, r in zip(ok, te) if r["natural"]]
            accs["adv"] += [o for o, r in zip(ok, te) if not r["natural"]]
            accs["short"] += [o for o, r in zip(ok, te) if not r["longer_wins"]]
    return {k: float(np.mean(v)) for k, v in accs.items()}

def report(name, ok, rows):
    def acc(sel):
        v = [o for o, r in zip(ok, rows) if sel(r)]
        return f"{np.mean(v):.3f} (n={len(v)})" if v else "-"
    print(f"{name:34s} all {acc(lambda r: True)}  natural {acc(lambda r: r['natural'])}  adversarial {acc(lambda r: not r['natural'])}  "
          f"shorter-won {acc(lambda r: not r['longer_wins'])}  natural-shorter-won {acc(lambda r: r['natural'] and not r['longer_wins'])}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("signals"); ap.add_argument("pairs"); ap.add_argument("subsets")
    ap.add_argument("--features", default=None)
    ap.add_argument("--l2", type=float, default=None)
    ap.add_argument("--scheme", default=None)
    ap.add_argument("--explore", action="store_true")
    a = ap.parse_args()
    data = load(a.signals, a.pairs, a.subsets)
    tr_idx, te_idx = split(data)
    train = [data[i] for i in tr_idx]; test = [data[i] for i in te_idx]
    print(f"{len(data)} pairs: {len(train)} to fit, {len(test)} held out")

    if a.explore:
        print("\nsingle signals on the training half (accuracy of sign(difference); ties count as wrong):")
        for f in ALL:
            X, y = matrix(train, [f])
            for sign in (1,):
                ok = (np.sign(X[:, 0]) == np.where(y > 0.5, 1, -1))
                nat = [o for o, r in zip(ok, train) if r["natural"]]
                sh = [o for o, r in zip(ok, train) if not r["longer_wins"]]
                print(f"  {f:24s} all {ok.mean():.3f} natural {np.mean(nat):.3f} shorter-won {np.mean(sh):.3f} nonzero {np.mean(X[:,0]!=0):.2f}")

    feats = a.features.split(",") if a.features else ALL
    schemes = [a.scheme] if a.scheme else ["uniform", "balanced", "balanced-natural"]
    l2s = [a.l2] if a.l2 is not None else [0.1, 1, 10, 30, 100]
    best = None
    print("\ncross-validation on the training half (5 folds x 4):")
    for scheme in schemes:
        for l2 in l2s:
            s = cv_score(train, feats, l2, scheme)
            # Select on what the PandaLM-style targets reward: natural accuracy and shorter-won accuracy.
            crit = 0.5 * s["all"] + 0.25 * s["natural"] + 0.25 * s["short"]
            print(f"  {scheme:17s} l2={l2:<6} all {s['all']:.3f} natural {s['natural']:.3f} adversarial {s['adv']:.3f} shorter-won {s['short']:.3f}")
            if best is None or crit > best[0]: best = (crit, scheme, l2)
    _, scheme, l2 = best
    print(f"chosen: {scheme}, l2={l2}")
    X, y = matrix(train, feats); scale = X.std(axis=0) + 1e-9
    beta = fit(X / scale, y, weights_for(train, scheme), l2)
    raw = beta / scale
    print("\nweights (raw units: multiply the signal difference):")
    for f, b, r in sorted(zip(feats, beta, raw), key=lambda t: -abs(t[1])):
        print(f"  {f:24s} standardized {b:+.3f}   raw {r:+.5f}")
    Xt, yt = matrix(test, feats)
    ok = list((predict(beta, Xt, scale) > 0.5) == (yt > 0.5))
    print("\nheld-out half:")
    report("combined (signals judge)", ok, test)
    report("always longer", [r["longer_wins"] for r in test], test)
    vok = [((r["vlp"]["ab"][0] - r["vlp"]["ab"][1]) > 0) == ((r["vlp"]["ba"][1] - r["vlp"]["ba"][0]) > 0) and
           (((r["vlp"]["ab"][0] - r["vlp"]["ab"][1]) > 0) == (r["y"] > 0.5)) for r in test]
    report("log-prob verdict, both orders", vok, test)
    print("\nYAML:\n  weights:")
    for f, r in zip(feats, raw):
        print(f"    {f}: {r:.6g}")

if __name__ == "__main__":
    main()
