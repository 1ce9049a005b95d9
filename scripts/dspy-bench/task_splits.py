"""The train/dev/test split of a task file exactly as WhetCore's loader makes it (SplitMix64 and Swift's
Fisher-Yates shuffle with Lemire's bounded draw), for the explicit train/test-files layout that
tasks/sentiment.yaml uses, so DSPy sees the same examples as `whet eval` and `whet optimize`."""
import json
import os

import yaml

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_below(self, upper):
        m = self.next() * upper
        if (m & MASK64) < upper:
            t = ((1 << 64) - upper) % upper
            while (m & MASK64) < t:
                m = self.next() * upper
        return m >> 64


def swift_shuffle(items, rng):
    a = list(items)
    amount, i = len(a), 0
    while amount > 1:
        r = rng.next_below(amount)
        amount -= 1
        a[i], a[i + r] = a[i + r], a[i]
        i += 1
    return a


def load(task_path):
    """Returns (instruction, labels, train, dev, test); each example is {"input": ..., "answer": ...}."""
    spec = yaml.safe_load(open(task_path))
    data = spec["data"]
    if "train" not in data or "test" not in data or "dev" in data:
        raise SystemExit(f"{task_path}: data: this benchmark expects train and test files with dev carved from train")
    base = os.path.dirname(os.path.abspath(task_path))
    field = (data.get("fields") or {}).get("input", "input")
    answer = data["answer"]

    def read(rel):
        with open(os.path.join(base, rel), encoding="utf-8") as f:
            return [{"input": r[field], "answer": r[answer]} for r in map(json.loads, filter(str.strip, f))]

    splits = spec.get("splits") or {}
    rng = SplitMix64(splits.get("seed", 0))
    train = swift_shuffle(read(data["train"]), rng)
    n_dev = int(len(train) * splits.get("dev", 0.2) + 0.5)
    labels = {k: [str(v) for v in vs] for k, vs in spec["answer"]["labels"].items()}
    return spec["instruction"].strip(), labels, train[n_dev:], train[:n_dev], read(data["test"])
