"""Throughput of the numpy reference on a sentence file: prints one JSON line.
Thread count comes from OPENBLAS_NUM_THREADS (set it before Python starts)."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minilm_numpy import MiniLM  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    model = MiniLM(args.model)
    texts = [line for line in open(args.file, encoding="utf-8").read().splitlines() if line.strip()]
    model.embed(texts[: args.batch_size], args.batch_size)  # warm-up
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        model.embed(texts, args.batch_size)  # tokenisation included, as on the Swift side
        best = min(best, time.perf_counter() - start)
    tokens = sum(len(model.token_ids(t)) for t in texts)
    print(json.dumps({"impl": "numpy reference", "sentences": len(texts), "tokens": tokens,
                      "seconds": best, "sentences_per_second": len(texts) / best,
                      "threads": "OpenBLAS " + os.environ.get("OPENBLAS_NUM_THREADS", "default")}))


if __name__ == "__main__":
    main()
