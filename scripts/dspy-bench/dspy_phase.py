"""One DSPy method on a label task through an OpenAI-compatible endpoint; writes one JSON result.
Run by orchestrate.py inside the DSPy virtualenv. Methods: zero_shot, bfrs
(BootstrapFewShotWithRandomSearch, DSPy's defaults), mipro_light (MIPROv2 auto="light").
Selection uses train and dev only; the test split is scored once, at the end."""
import argparse
import inspect
import json
import math
import os
import re
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import task_splits  # noqa: E402


def label_of(text, labels):
    """WhetCore's choice_accuracy reading: the label whose verbalizer appears first (whole words)."""
    norm = lambda s: " ".join(w for w in re.sub(r"[^\w\s]", " ", s.lower()).split() if w not in ("a", "an", "the"))
    padded = " " + norm(text or "") + " "
    best = None
    for label, verbalizers in labels.items():
        for v in verbalizers + [label]:
            pos = padded.find(" " + norm(v) + " ")
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, label)
    return best[1] if best else None


def wilson(k, n, z=1.959964):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", required=True, choices=["zero_shot", "bfrs", "mipro_light"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--model-id", required=True)
    ap.add_argument("--task", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import dspy

    instruction, labels, train, dev, test = task_splits.load(args.task)
    result = {"method": args.method, "dspy": getattr(dspy, "__version__", "?"), "status": "ok",
              "train": len(train), "dev": len(dev)}

    def save():
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)

    lm = dspy.LM(f"openai/{args.model_id}", api_base=args.base, api_key="unused", temperature=0.0, max_tokens=128)
    dspy.configure(lm=lm)

    signature = dspy.Signature("sentence: str -> sentiment: str", instruction)
    program = dspy.Predict(signature)

    def as_examples(rows):
        return [dspy.Example(sentence=r["input"], sentiment=r["answer"]).with_inputs("sentence") for r in rows]

    def metric(example, prediction, trace=None):
        got = label_of(getattr(prediction, "sentiment", "") or "", labels)
        return got is not None and got == label_of(example.sentiment, labels)

    trainset, devset = as_examples(train), as_examples(dev)
    try:
        if args.method == "bfrs":
            optimizer = dspy.BootstrapFewShotWithRandomSearch(metric=metric, num_threads=args.threads)
            program = optimizer.compile(program, trainset=trainset, valset=devset)
        elif args.method == "mipro_light":
            optimizer = dspy.MIPROv2(metric=metric, auto="light", num_threads=args.threads, seed=args.seed)
            kwargs = {"trainset": trainset, "valset": devset}
            if "requires_permission_to_run" in inspect.signature(optimizer.compile).parameters:
                kwargs["requires_permission_to_run"] = False
            program = optimizer.compile(program, **kwargs)
    except Exception as error:  # a crash of the optimizer is a result
        result.update(status="crash", error=f"{type(error).__name__}: {error}",
                      traceback=traceback.format_exc()[-3000:])
        save()
        return

    try:
        predictor = program.predictors()[0]
        result["demos"] = len(predictor.demos)
        result["instruction"] = predictor.signature.instructions
    except Exception:
        pass

    def one(row):
        try:
            prediction = program(sentence=row["input"])
            text = getattr(prediction, "sentiment", "") or ""
        except Exception as error:  # DSPy raises when the adapter cannot parse the reply
            return {"ok": False, "parsed": False, "error": type(error).__name__}
        got = label_of(text, labels)
        return {"ok": got == row["answer"], "parsed": got is not None, "text": text[:80]}

    with ThreadPoolExecutor(args.threads) as pool:
        outcomes = list(pool.map(one, test))
    k = sum(o["ok"] for o in outcomes)
    low, high = wilson(k, len(test))
    predicted = [label_of(o.get("text", ""), labels) for o in outcomes]
    result["test"] = {"mean": k / len(test), "low": low, "high": high, "n": len(test)}
    result["unparseable"] = sum(not o["parsed"] for o in outcomes)
    result["predicted"] = {label: predicted.count(label) for label in labels}
    result["sample_outputs"] = [o.get("text", o.get("error")) for o in outcomes[:5]]
    save()


if __name__ == "__main__":
    main()
