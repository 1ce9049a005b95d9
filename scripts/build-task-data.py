#!/usr/bin/env python3
"""Builds tasks/data/ from ../shared/data (the public data sets, unchanged there).

Run once by a developer; its output is committed so a fresh clone needs no
shared/ folder to run the shipped tasks. Deterministic (fixed seeds).
Attribution and licences: tasks/data/README.md.
"""
import csv, gzip, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(os.path.dirname(ROOT), "shared", "data")
OUT = os.path.join(ROOT, "tasks", "data")

def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

def ii(task, split):
    d = json.load(open(os.path.join(SRC, "instruction-induction", split, task + ".json")))
    ex = d["examples"]
    return [{"input": ex[k]["input"], "output": ex[k]["output"]} for k in sorted(ex, key=int)]

def induced_task(rnd, task, pool):
    train = ii(task, "induce")
    rnd.shuffle(train)
    write_jsonl(os.path.join(OUT, task, "train.jsonl"), train[:pool])
    write_jsonl(os.path.join(OUT, task, "test.jsonl"), ii(task, "execute"))

def main():
    rnd = random.Random(13)
    # Instruction induction: induce/ is the optimisation pool, execute/ the 100-example test set.
    for task, pool in [("sentiment", 400), ("singular_to_plural", 300)]:
        induced_task(rnd, task, pool)

    # A generator of its own: the shared one's draws belong to the other tasks' samples.
    induced_task(random.Random(19), "active_to_passive", 300)

    # Banking77: ten intents, 30 train and 20 test examples each.
    intents = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "pin_blocked",
               "transfer_not_received_by_recipient", "declined_card_payment", "cash_withdrawal_charge",
               "change_pin", "refund_not_showing_up"]
    for split, n in [("train", 30), ("test", 20)]:
        rows = [r for r in csv.DictReader(open(os.path.join(SRC, "banking77", split + ".csv"), encoding="utf-8"))
                if r["category"] in intents]
        out = []
        for intent in intents:
            mine = [r for r in rows if r["category"] == intent]
            rnd.shuffle(mine)
            out += mine[:n]
        rnd.shuffle(out)
        os.makedirs(os.path.join(OUT, "banking77"), exist_ok=True)
        with open(os.path.join(OUT, "banking77", split + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["text", "category"])
            w.writeheader()
            w.writerows(out)

    # GSM8K: 200 train problems, 100 test problems.
    for split, n in [("train", 200), ("test", 100)]:
        rows = [json.loads(l) for l in open(os.path.join(SRC, "gsm8k", split + ".jsonl"), encoding="utf-8")]
        rnd.shuffle(rows)
        write_jsonl(os.path.join(OUT, "gsm8k", split + ".jsonl"), rows[:n])

    # BIG-Bench Hard: whole task files (split by ratio in the task file).
    for task in ["date_understanding", "object_counting"]:
        d = json.load(open(os.path.join(SRC, "bbh", "tasks", task + ".json"), encoding="utf-8"))
        write_jsonl(os.path.join(OUT, "bbh", task + ".jsonl"), d["examples"])

    # LLMBar Natural: instructions only (no labels); the judged open-ended task.
    d = json.load(open(os.path.join(SRC, "llmbar", "LLMBar", "Natural", "dataset.json"), encoding="utf-8"))
    rows = [{"input": r["input"]} for r in d if len(r["input"]) < 600]
    write_jsonl(os.path.join(OUT, "llmbar", "instructions.jsonl"), rows)

    # NQ-open with its gold passages: 40 questions, each over its gold passage and four other
    # questions' passages (about 700 tokens), the gold first, in the middle or last in turn.
    nq_long(random.Random(17))

def nq_long(rnd, n=40, distractors=4):
    rows = [json.loads(l) for l in gzip.open(os.path.join(SRC, "nq-open-oracle", "nq-open-oracle.jsonl.gz"), "rt", encoding="utf-8")]
    def gold(r):
        return r["ctxs"][0]
    def answer_in(r):
        text = gold(r)["text"]
        return next((a for a in r["answers"] if len(a) <= 40 and a in text), None)
    usable = [r for r in rows if answer_in(r) and 60 <= len(gold(r)["text"].split()) <= 140]
    rnd.shuffle(usable)
    picked, others = usable[:n], usable[n:]
    out = []
    for i, r in enumerate(picked):
        docs = [gold(o) for o in rnd.sample(others, distractors)]
        docs.insert([0, distractors // 2, distractors][i % 3], gold(r))
        context = "\n\n".join(f"Document [{k + 1}] (Title: {d['title']}) {d['text']}" for k, d in enumerate(docs))
        out.append({"question": r["question"][0].upper() + r["question"][1:] + "?", "context": context,
                    "answer": answer_in(r), "answers": r["answers"]})
    write_jsonl(os.path.join(OUT, "nq_long", "questions.jsonl"), out)

if __name__ == "__main__":
    if not os.path.isdir(SRC):
        sys.exit(f"no {SRC}: this script reads the shared data sets")
    main()
