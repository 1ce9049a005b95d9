#!/usr/bin/env python3
"""Writes LLMBar (Natural + the four Adversarial sets) as `whet judge` pairs, one JSON line each, and a
parallel file naming each line's subset. LLMBar: github.com/princeton-nlp/LLMBar @ 900616b, MIT."""
import glob, json, sys, os
root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/llmbar/LLMBar"
out = sys.argv[2] if len(sys.argv) > 2 else "llmbar.jsonl"
with open(out, "w") as pairs, open(os.path.splitext(out)[0] + ".subsets", "w") as subsets:
    for path in sorted(glob.glob(os.path.join(root, "**", "dataset.json"), recursive=True)):
        subset = os.path.relpath(os.path.dirname(path), root)
        for record in json.load(open(path)):
            pairs.write(json.dumps({k: record[k] for k in ("input", "output_1", "output_2", "label")}) + "\n")
            subsets.write(subset + "\n")
