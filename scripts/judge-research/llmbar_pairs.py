#!/usr/bin/env python3
"""Writes LLMBar (Natural + the four Adversarial sets) as `whet judge` pairs in a seeded random order
(OUT.jsonl), each line's subset (OUT.subsets), and the fixed fitting / held-out halves, stratified by
subset (train.lines, test.lines: 1-based line numbers). LLMBar: github.com/princeton-nlp/LLMBar @ 900616b, MIT.

usage: llmbar_pairs.py [LLMBAR_DIR] [OUT.jsonl]"""
import glob, json, os, random, sys
import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/llmbar/LLMBar"
out = sys.argv[2] if len(sys.argv) > 2 else "llmbar-shuffled.jsonl"
pairs, subsets = [], []
for path in sorted(glob.glob(os.path.join(root, "**", "dataset.json"), recursive=True)):
    subset = os.path.relpath(os.path.dirname(path), root)
    for record in json.load(open(path)):
        pairs.append(json.dumps({k: record[k] for k in ("input", "output_1", "output_2", "label")}))
        subsets.append(subset)
order = list(range(len(pairs)))
random.Random(13).shuffle(order)
pairs, subsets = [pairs[i] for i in order], [subsets[i] for i in order]
base = os.path.splitext(out)[0]
open(out, "w").write("\n".join(pairs) + "\n")
open(base + ".subsets", "w").write("\n".join(subsets) + "\n")
rng = np.random.RandomState(13)
train, test = [], []
for s in sorted(set(subsets)):
    idx = [i for i, x in enumerate(subsets) if x == s]
    rng.shuffle(idx)
    half = len(idx) // 2
    test += idx[:half]
    train += idx[half:]
folder = os.path.dirname(out) or "."
open(os.path.join(folder, "train.lines"), "w").write("\n".join(str(i + 1) for i in sorted(train)) + "\n")
open(os.path.join(folder, "test.lines"), "w").write("\n".join(str(i + 1) for i in sorted(test)) + "\n")
