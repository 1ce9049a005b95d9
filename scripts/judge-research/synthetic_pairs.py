#!/usr/bin/env python3
"""Degenerate-versus-original pairs for teaching the signals judge what LLMBar rarely shows but
weak models often produce: loops, answers cut off mid-sentence, parroting the instruction, and a
whole answer repeated. Built only from the pairs of the fitting half (the held-out half is never
touched). The original (better) output is output_1 or output_2 at random; label says which.

usage: synthetic_pairs.py PAIRS.jsonl SUBSETS TRAIN_LINES OUT.jsonl [per_kind]"""
import json, random, re, sys

def sentences(t):
    return [s for s in re.split(r"(?<=[.!?])\s+", t.strip()) if s]

def corrupt(kind, instruction, text, rng):
    if kind == "loop":
        s = sentences(text)
        tail = s[-1] if s else text
        return text + (" " + tail) * rng.randint(4, 8)
    if kind == "cut":
        words = text.split()
        keep = max(3, int(len(words) * rng.uniform(0.25, 0.5)))
        return " ".join(words[:keep]).rstrip(".!?,;:") + (" and" if rng.random() < 0.5 else "")
    if kind == "echo":
        words = text.split()
        return instruction.strip() + "\n" + " ".join(words[: max(3, len(words) // 2)])
    if kind == "twice":
        return text + "\n" + text
    raise ValueError(kind)

def main():
    pairs_path, subsets_path, train_path, out_path = sys.argv[1:5]
    per_kind = int(sys.argv[5]) if len(sys.argv) > 5 else 30
    pairs = [json.loads(l) for l in open(pairs_path) if l.strip()]
    train = [int(l) for l in open(train_path) if l.strip()]
    rng = random.Random(7)
    pool = [pairs[i - 1] for i in train]
    pool = [p for p in pool if len((p["output_1"] if p["label"] == 1 else p["output_2"]).split()) >= 12]
    with open(out_path, "w") as out:
        for kind in ("loop", "cut", "echo", "twice"):
            for p in rng.sample(pool, per_kind):
                good = p["output_1"] if p["label"] == 1 else p["output_2"]
                bad = corrupt(kind, p["input"], good, rng)
                first_good = rng.random() < 0.5
                rec = {"input": p["input"], "output_1": good if first_good else bad, "output_2": bad if first_good else good,
                       "label": 1 if first_good else 2}
                out.write(json.dumps(rec) + "\n")
                print(kind, file=sys.stderr)

if __name__ == "__main__":
    main()
