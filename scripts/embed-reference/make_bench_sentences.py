"""Writes bench_sentences.txt: 512 deterministic English sentences of about 20 word pieces
(plus [CLS]/[SEP]) on average, the workload of scripts/bench-embed for both implementations."""
import os
import random

SUBJECTS = ["The model", "A careful reviewer", "Our optimizer", "The compressor", "Each judge", "The new prompt",
            "This benchmark", "The assistant", "A small team", "The evaluation"]
VERBS = ["rewrites", "scores", "compares", "summarises", "ranks", "explains", "rejects", "improves", "tests", "selects"]
OBJECTS = ["the candidate instructions", "every answer in the batch", "a short list of examples",
           "the longest documents", "three diverse exemplars", "the failing test cases", "the user's question",
           "the retrieved passages", "a set of paraphrases", "the final report"]
OPENERS = ["In practice,", "Every morning,", "As expected,", "On the second run,", "According to the logs,",
           "After some debate,", "Once again,", "By design,", "In the first experiment,", "Quite surprisingly,"]
TAILS = ["before the deadline.", "with a clear rationale.", "using only local hardware.", "in under a second.",
         "for the next round of search.", "without changing the meaning.", "and keeps the best one.",
         "so that costs stay low.", "after reading the task carefully.", "when the scores are close."]


def main():
    rng = random.Random(4)
    lines = [f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
             for _ in range(512)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_sentences.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
