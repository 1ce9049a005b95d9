#!/usr/bin/env python3
"""Exploration only (not a product dependency): per-response and per-pair language-model signals
for pairwise judging, from SmolLM2-135M through llama-cpp-python (the same GGUF as the engine).

Reads pairs JSONL ({input, output_1, output_2, label, ...}) and writes one JSON line of features
per pair. Resumable: pairs already in the output are skipped."""
import json, math, sys, os
import numpy as np
from llama_cpp import Llama

MODEL = os.environ.get("WHET_GGUF", "models/SmolLM2-135M-Instruct.Q4_1.gguf")
SYSTEM = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"

def chat(user):
    return SYSTEM + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n"

PANDALM = ("Below are two responses for a given task. The task is defined by the Instruction. "
           "Evaluate the responses and generate a reference answer for the task.\n\n"
           "### Instruction:\n{x}\n\n### Response 1:\n{a}\n\n### Response 2:\n{b}\n\n### Evaluation:\n")
YESNO = ("Instruction:\n{x}\n\nResponse:\n{r}\n\nDoes the response follow the instruction and answer it well? "
         "Answer Yes or No.")

class Scorer:
    def __init__(self, path, n_ctx=1536):
        self.llm = Llama(model_path=path, n_ctx=n_ctx, n_batch=512, logits_all=True, n_threads=1, verbose=False)
        self.n_ctx = n_ctx
        self.prev = []

    def tok(self, text):
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def eval(self, tokens):
        """Evaluates tokens, reusing the common prefix with the previous call; returns nothing."""
        common = 0
        for a, b in zip(self.prev, tokens):
            if a != b: break
            common += 1
        common = min(common, len(tokens) - 1)
        self.llm.n_tokens = common
        self.llm._ctx.kv_cache_seq_rm(-1, common, -1) if hasattr(self.llm._ctx, "kv_cache_seq_rm") else None
        self.llm.eval(tokens[common:])
        self.prev = list(tokens)

    def logprobs(self, prompt, cont):
        """log p of each token of cont after prompt (token lists)."""
        tokens = prompt + cont
        if len(tokens) > self.n_ctx:
            keep = self.n_ctx - len(prompt)
            if keep < 8: return None
            cont = cont[:keep]
            tokens = prompt + cont
        self.eval(tokens)
        rows = np.asarray(self.llm.scores[len(prompt) - 1: len(tokens) - 1], dtype=np.float64)
        m = rows.max(axis=1, keepdims=True)
        lse = (m[:, 0] + np.log(np.exp(rows - m).sum(axis=1)))
        return [float(rows[i, t] - lse[i]) for i, t in enumerate(cont)]

    def label_lp(self, prompt, labels):
        """total log p of each label (token lists) as the continuation of prompt."""
        return [sum(self.logprobs(prompt, l) or [-99]) for l in labels]


CAP = 200  # tokens kept of an instruction or a response for every model signal

def clip(s, text):
    """The text of at most CAP tokens of `text` (the same cut the Swift judge makes)."""
    t = s.tok(text)
    return text if len(t) <= CAP else s.llm.detokenize(t[:CAP]).decode("utf-8", "ignore")

def response_features(s, x, r):
    end = s.tok("<|im_end|>")
    x, r = clip(s, x), clip(s, r)
    rt = s.tok(r) if r else []
    f = {"n_tok": len(rt)}
    cond = s.logprobs(s.tok(chat(x)), rt + end)
    unc = s.logprobs(s.tok(chat("")), rt + end)
    if cond is None or unc is None: return None
    f["lp_cond_sum"] = sum(cond[:-1]); f["lp_end"] = cond[-1]
    f["lp_unc_sum"] = sum(unc[:-1]); f["lp_unc_end"] = unc[-1]
    xt = s.tok(x)
    back = s.logprobs(s.tok("Response:\n" + r + "\n\nInstruction:\n"), xt)
    f["back_sum"] = sum(back) if back else None
    f["back_n"] = len(back) if back else 0
    return f


def pair_features(s, x, a, b):
    labels = [s.tok("1"), s.tok("2"), s.tok("Tie")]
    out = {}
    x, a, b = clip(s, x), clip(s, a), clip(s, b)
    for name, (p, q) in {"ab": (a, b), "ba": (b, a)}.items():
        chat_lp = s.label_lp(s.tok(chat(PANDALM.format(x=x, a=p, b=q))), labels)
        out["chat_" + name] = chat_lp
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    done = set()
    if os.path.exists(dst):
        for line in open(dst):
            done.add(json.loads(line)["id"])
    s = Scorer(MODEL)
    with open(dst, "a") as out:
        for line in open(src):
            p = json.loads(line)
            if p["id"] in done: continue
            x, a, b = p["input"], p["output_1"], p["output_2"]
            fa, fb = response_features(s, x, a), response_features(s, x, b)
            rec = {"id": p["id"], "r1": fa, "r2": fb, "pair": pair_features(s, x, a, b)}
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(p["id"], file=sys.stderr, flush=True)

if __name__ == "__main__":
    main()
