#!/usr/bin/env python3
"""Fits the signals judge (judges/local.yaml): logistic regression without intercept on signal
differences (first - second), so swapping the outputs gives exactly 1 - P. Research tool, numpy only.

usage: fit_signals.py --signals S.jsonl --pairs P.jsonl --subsets P.subsets --train T.lines --test H.lines
                      [--synthetic SYN.jsonl:SYN.sig.jsonl ...] [--explore]

S.jsonl is what `whet judge P.jsonl --signals S.jsonl` writes. Every modelling choice (L2 strength,
deployed length weight) is made by cross-validation on the --train lines only; the --test lines are
scored once, at the end, with the final weights.

The model: logit = sum_k w_k * d_k + lam * d_log_words. The content weights w are fitted with
d_log_words as a covariate and with the pairs weighted so that "the longer output won" and "the
shorter output won" carry equal weight: they measure what the signals say beyond length. The
deployed length weight lam is not LLMBar's (its adversarial sets punish length on purpose): it is
chosen to maximise agreement on LLMBar Natural re-weighted to a 66/34 longer/shorter mix (what
human labels on PandaLM-style pairs show), subject to >= 0.40 agreement where the shorter output won (0.30 is the target; the margin
allows for how few such pairs LLMBar Natural has)."""
import argparse, json, math
import numpy as np

# Candidate signal sets, declared before looking at the held-out half; cross-validation picks one.
SETS = {
    "all": ["relevance", "likelihood", "back_likelihood", "instruction_similarity", "echo", "repetition",
            "duplicate_lines", "violation", "ending", "verdict"],
    "relevance+checks": ["relevance", "echo", "repetition", "duplicate_lines", "violation", "ending"],
    "relevance+similarity+checks": ["relevance", "instruction_similarity", "back_likelihood", "echo", "repetition",
                                    "duplicate_lines", "violation", "ending"],
}
CONTENT = ["relevance", "likelihood", "back_likelihood", "instruction_similarity", "echo", "repetition",
           "duplicate_lines", "violation", "ending", "verdict"]
CLIPPED_ENDING = -1.5  # the judge's ending value for a response cut at the clip (Swift: SignalExtractor)

def load_signals(path):
    rows = {}
    for line in open(path):
        r = json.loads(line)
        rows[r["line"]] = r
    return rows

def features(sig):
    d = {}
    for n in CONTENT + ["log_words"]:
        if n == "verdict":
            d[n] = sig["verdict"]
        elif n == "ending":
            e = [CLIPPED_ENDING if sig[k]["clipped"] else sig[k]["ending"] for k in ("first", "second")]
            d[n] = e[0] - e[1]
        else:
            d[n] = sig["first"][n] - sig["second"][n]
    return d

def load(args):
    pairs = [json.loads(l) for l in open(args.pairs) if l.strip()]
    subsets = [l.strip() for l in open(args.subsets) if l.strip()]
    sig = load_signals(args.signals)
    def record(line, p, subset, sigrow):
        longer1 = len(p["output_1"]) > len(p["output_2"])
        return {"line": line, "d": features(sigrow["signals"]), "y": 1.0 if p["label"] == 1 else 0.0, "subset": subset,
                "natural": subset == "Natural", "longer_wins": (p["label"] == 1) == longer1, "vlp": sigrow["signals"]["verdictLogprobs"],
                "synthetic": subset == "synthetic"}
    data = {i + 1: record(i + 1, p, s, sig[i + 1]) for i, (p, s) in enumerate(zip(pairs, subsets)) if i + 1 in sig}
    train = [data[int(l)] for l in open(args.train) if l.strip() and int(l) in data]
    test = [data[int(l)] for l in open(args.test) if l.strip() and int(l) in data]
    synthetic = []
    for spec in args.synthetic:
        pairs_path, signals_path = spec.split(":")
        spairs = [json.loads(l) for l in open(pairs_path) if l.strip()]
        ssig = load_signals(signals_path)
        synthetic += [record(i + 1, p, "synthetic", ssig[i + 1]) for i, p in enumerate(spairs) if i + 1 in ssig]
    return train, test, synthetic

def matrix(rows, names):
    return np.array([[r["d"][n] for n in names] for r in rows], dtype=float), np.array([r["y"] for r in rows])

def balance(rows):
    """Weights giving longer-won and shorter-won pairs equal total weight (synthetic pairs: weight 1)."""
    w = np.ones(len(rows))
    real = np.array([not r["synthetic"] for r in rows])
    lw = np.array([r["longer_wins"] for r in rows])
    for v in (True, False):
        m = real & (lw == v)
        if m.sum(): w[m] = 0.5 * real.sum() / m.sum()
    return w

def fit(X, y, w, l2, iters=100):
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-X @ beta))
        g = X.T @ (w * (p - y)) + l2 * beta
        H = (X * (w * p * (1 - p))[:, None]).T @ X + l2 * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-10: break
    return beta

def fit_content(rows, l2):
    """Raw-unit weights for CONTENT + log_words (standardised for the penalty, returned unstandardised)."""
    names = CONTENT + ["log_words"]
    X, y = matrix(rows, names)
    scale = X.std(axis=0) + 1e-9
    beta = fit(X / scale, y, balance(rows), l2)
    return dict(zip(names, beta / scale))

def logits(weights, rows, lam):
    names = CONTENT + ["log_words"]
    X, _ = matrix(rows, names)
    w = np.array([weights[n] if n != "log_words" else lam for n in names])
    return X @ w

def metrics(ok, rows):
    def m(sel):
        v = [o for o, r in zip(ok, rows) if sel(r)]
        return (float(np.mean(v)) if v else float("nan")), len(v)
    out = {"all": m(lambda r: True), "natural": m(lambda r: r["natural"]), "adversarial": m(lambda r: not r["natural"]),
           "natural_longer": m(lambda r: r["natural"] and r["longer_wins"]),
           "natural_shorter": m(lambda r: r["natural"] and not r["longer_wins"]),
           "shorter": m(lambda r: not r["longer_wins"])}
    out["proxy"] = (0.66 * out["natural_longer"][0] + 0.34 * out["natural_shorter"][0], out["natural"][1])
    return out

def cv_predictions(train, synthetic, l2, lams, folds=5, repeats=4):
    """Out-of-fold logits for every lam: {lam: [(row, logit)]}."""
    out = {lam: [] for lam in lams}
    for rep in range(repeats):
        order = np.random.RandomState(300 + rep).permutation(len(train))
        for k in range(folds):
            held = set(order[k::folds].tolist())
            tr = [train[i] for i in range(len(train)) if i not in held] + synthetic
            te = [train[i] for i in sorted(held)]
            w = fit_content(tr, l2)
            for lam in lams:
                out[lam] += list(zip(te, logits(w, te, lam)))
    return out

def fmt(m):
    return "  ".join(f"{k} {v[0]:.3f} (n={v[1]})" for k, v in m.items())

def main():
    ap = argparse.ArgumentParser()
    for a in ("signals", "pairs", "subsets", "train", "test"): ap.add_argument("--" + a, required=True)
    ap.add_argument("--synthetic", action="append", default=[], help="PAIRS.jsonl:SIGNALS.jsonl of synthetic pairs (repeatable)")
    ap.add_argument("--explore", action="store_true")
    args = ap.parse_args()
    train, test, synthetic = load(args)
    print(f"{len(train)} LLMBar pairs to fit (+{len(synthetic)} synthetic degenerate pairs), {len(test)} held out")
    global CONTENT
    l2s = [3.0, 10.0, 30.0]
    lams = [round(x, 2) for x in np.arange(0.0, 1.21, 0.1)]
    best = None
    print("\ncross-validation on the fitting half (5 folds x 4), out-of-fold agreement:")
    for set_name, names in SETS.items():
      CONTENT = names
      for l2 in l2s:
        preds = cv_predictions(train, synthetic, l2, lams)
        for lam in lams:
            rows = [r for r, _ in preds[lam]]
            ok = [(z > 0) == (r["y"] > 0.5) for r, z in preds[lam]]
            m = metrics(ok, rows)
            feasible = m["natural_shorter"][0] >= 0.40
            if args.explore or lam in (0.0, 0.5, 1.0):
                print(f"  {set_name:28s} l2={l2:<5} lam={lam:<4} {fmt({k: m[k] for k in ('all', 'natural', 'adversarial', 'natural_longer', 'natural_shorter', 'proxy')})}")
            if feasible and (best is None or m["proxy"][0] > best[0]):
                best = (m["proxy"][0], l2, lam, m, set_name)
    _, l2, lam, m, set_name = best
    CONTENT = SETS[set_name]
    print(f"\nchosen: signals {set_name}, l2={l2}, lam={lam} (cross-validated proxy {m['proxy'][0]:.3f}, natural shorter-won {m['natural_shorter'][0]:.3f})")
    weights = fit_content(train + synthetic, l2)
    weights["log_words"] = lam
    print("\nweights (multiply signal(first) - signal(second)):")
    for n in CONTENT + ["log_words"]:
        print(f"  {n:24s} {weights[n]:+.5f}")
    z = logits(weights, test, lam)
    print("\nheld-out half, once:")
    print("  combined       ", fmt(metrics([(v > 0) == (r["y"] > 0.5) for v, r in zip(z, test)], test)))
    wl = dict(weights); 
    z0 = logits(weights, test, 0.0)
    print("  combined lam=0 ", fmt(metrics([(v > 0) == (r["y"] > 0.5) for v, r in zip(z0, test)], test)))
    print("  always longer  ", fmt(metrics([r["longer_wins"] for r in test], test)))
    def verdict(r):
        ab, ba = r["vlp"]["ab"], r["vlp"]["ba"]
        first_ab, first_ba = ab[0] > ab[1], ba[1] > ba[0]   # output_1 preferred in each order
        return None if first_ab != first_ba else first_ab
    print("  log-prob 1/2   ", fmt(metrics([verdict(r) == (r["y"] > 0.5) for r in test], test)))
    print("\nYAML weights:")
    for n in CONTENT + ["log_words"]:
        print(f"    {n}: {weights[n]:.4g}")

if __name__ == "__main__":
    main()
