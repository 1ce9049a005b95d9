#!/usr/bin/env python3
"""A judge on pairs from another source than the one it was fitted on: PandaLM's human-annotated test
set (github.com/WeOpenML/PandaLM, data/testset-v1.json @ 65d7cff, Apache-2.0; 999 pairs, three annotators
each). Not shipped here: pass the file's path.

Pairs kept: a non-tie majority label (two or three annotators agree on 1 or 2) and two distinct text
responses. They are shuffled with a fixed seed; --limit takes the first N. Each pair is judged by
`whet judge` in both orders. Reported: agreement with the majority label (a tie counts as wrong) with a
Wilson 95% interval, the same on the pairs where people preferred the shorter response (by words), and
always-longer on the same pairs.

usage: pandalm_check.py TESTSET.json [--whet BIN] [--judge judges/local.yaml] [--limit N] [--db PATH] [--json]
"""
import argparse, collections, json, math, os, random, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pairs_from(testset):
    out = []
    for r in json.load(open(testset, encoding="utf-8")):  # the file has bare NaN values; Python reads them
        label, votes = collections.Counter([r["annotator1"], r["annotator2"], r["annotator3"]]).most_common(1)[0]
        a, b = r["response1"], r["response2"]
        if votes < 2 or label == 0 or not isinstance(a, str) or not isinstance(b, str) or a.strip() == b.strip():
            continue
        extra = r["input"] if isinstance(r["input"], str) and r["input"].strip() else ""
        out.append({"input": r["instruction"] + ("\n\n" + extra if extra else ""), "output_1": a, "output_2": b,
                    "label": label})
    random.Random(0).shuffle(out)
    return out


def wilson(k, n, z=1.96):
    if n == 0:
        return [0.0, 0.0]
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [round((c - h) / d, 3), round((c + h) / d, 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("testset")
    ap.add_argument("--whet", default=os.path.join(ROOT, ".build", "release", "whet"))
    ap.add_argument("--judge", default="judges/local.yaml")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--db", default=None, help="lineage database for the judgments (default: a temporary one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    try:
        pairs = pairs_from(args.testset)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"{args.testset}: not PandaLM's testset-v1.json ({type(e).__name__}: {e})")
    if args.limit:
        pairs = pairs[:args.limit]
    work = tempfile.mkdtemp(prefix="pandalm-")
    path = os.path.join(work, "pairs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    db = args.db or os.path.join(work, "judge.sqlite")
    run = subprocess.run([args.whet, "judge", path, "--judge", args.judge, "--db", db, "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"whet judge failed ({run.returncode}): {run.stderr.strip()}")
    verdict = {p["index"]: p["verdict"] for p in json.loads(run.stdout)["pairs"]}

    def words(t):
        return len(t.split())

    right = ties = longer_right = differ = short_n = short_right = 0
    for i, p in enumerate(pairs):
        v = verdict[i]
        right += v == p["label"]
        ties += v == 0
        w1, w2 = words(p["output_1"]), words(p["output_2"])
        if w1 == w2:
            continue
        differ += 1
        longer = 1 if w1 > w2 else 2
        longer_right += longer == p["label"]
        if longer != p["label"]:
            short_n += 1
            short_right += v == p["label"]
    n = len(pairs)
    report = {"judge": args.judge, "n": n, "agreement": round(right / max(1, n), 3), "interval": wilson(right, n),
              "ties": ties, "shorterPreferred": {"n": short_n, "agreement": round(short_right / max(1, short_n), 3),
                                                  "interval": wilson(short_right, short_n)},
              "alwaysLonger": {"n": differ, "agreement": round(longer_right / max(1, differ), 3)}}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{args.judge} on {n} PandaLM pairs: agreement {report['agreement']} {report['interval']}, ties {ties}; "
              f"where the shorter won (n={short_n}): {report['shorterPreferred']['agreement']} "
              f"{report['shorterPreferred']['interval']}; always-longer {report['alwaysLonger']['agreement']} "
              f"(n={differ})")


if __name__ == "__main__":
    main()
