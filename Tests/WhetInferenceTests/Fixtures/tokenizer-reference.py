#!/usr/bin/env python3
"""Regenerates tokenizer-pretokenizers.llama-cpp.json: llama.cpp (llama-cpp-python, vocab_only)
token ids for the SmolLM2 vocabulary under each pre-tokenizer name. Needs `pip install gguf llama-cpp-python`.
Usage: tokenizer-reference.py MODEL.gguf OUT.json"""
import json, os, sys, tempfile
import llama_cpp
from gguf import GGUFReader, GGUFWriter, GGUFValueType

MODEL, OUT = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
texts = [
 "Hello world", " Hello  world ", "I'm sure you'll see they've done it; we'd better go.", "I'M SURE YOU'LL SEE THEY'VE DONE IT",
 "Numbers: 12345, 3.14159, -42, 1e10, 2026-11-29, 1234567", "def add(a, b):\n    return a + b\n\nprint(add(1, 2))",
 "Tabs\tand\nnewlines\n\n\nand   spaces", "line\r\nwindows\r\n\r\n  indented\n\t\ttabbed  \n",
 "Unicode: café, naïve, Größe, Ελληνικά, русский, 日本語, 中文, 한국어", "Emoji 😀🚀 and symbols ©®™ ≤≥ ∑∫",
 "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", "URL https://example.com/a?b=c&d=e#frag",
 'JSON {"key": [1, 2, {"nested": true}], "s": "x"}', "   leading and trailing   ", "", "a\u00a0b\u2009c\u3000d",
 "e\u0301 combining, a\u0308\u0323 stacked", "?!... --- *** ((()))\n\n!!!\n", " 'quoted' and \"double\" ", "x  \n  y \n\n z",
 "١٢٣ ⅫⅦ ½ ² digits", "\u0085next line\u2028sep", "don't DON'T Don'T 'S 'Ll", "  \n", "\n\n\n", "trailing space ", " ",
 "αβγ123δεζ", "$100.00 + 50% = ???", "a" * 40 + " " + "ab" * 30,
]

# Plus random mixed-script strings (fixed seed): whitespace runs, contractions, digits of
# many scripts, marks, emoji, controls and special-token strings side by side.
import random
random.seed(1)
pools = [
  " \t\n\r\u00a0\u2009\u3000\u0085\u2028\u200b\ufeff",
  "abcXYZ'sltmdrvesLLVE",
  "0123456789١٢٣٤߀௧໑½²ⅫⅦ",
  ".,;:!?-_()[]{}<>/\\|@#$%^&*+=~`\"'",
  "éüßñøåçÆŒǅ", "αβγΔΩ", "абвгдЖЯ", "日本語中文漢字かなカナ한국어", "😀🚀👍🏽👩‍👩‍👧🇯🇵", "\u0301\u0308\u0323\u035c",
  "אבג", "ابتث", "देवनागरी", "ไทย", "\u0000\u0001\u001f\u007f", "𝔘𝔫𝟙𝟚\U0010FFFF\ue000",
]
specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<jupyter_code>"]
def rand_text():
    parts = []
    for _ in range(random.randint(1, 30)):
        r = random.random()
        if r < 0.05: parts.append(random.choice(specials))
        elif r < 0.35: parts.append(random.choice(["the", " quick", "I'm", " don't", "We'LL", "HELLO", "x", " "]))
        else:
            pool = random.choice(pools)
            parts.append("".join(random.choice(pool) for _ in range(random.randint(1, 6))))
    return "".join(parts)
texts += [rand_text() for _ in range(40)]

def vocab_only_copy(pre):
    """The model's metadata without tensors, with tokenizer.ggml.pre replaced."""
    r = GGUFReader(MODEL)
    path = os.path.join(tmp, f"vocab-{pre}.gguf")
    w = GGUFWriter(path, "llama")
    for k, f in r.fields.items():
        if k.startswith("GGUF.") or k == "general.architecture":
            continue
        if k == "tokenizer.ggml.pre":
            w.add_string(k, pre)
        elif f.types[0] == GGUFValueType.ARRAY:
            w.add_array(k, f.contents())
        else:
            w.add_key_value(k, f.contents(), f.types[0])
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    return path

out = {}
for pre in ["llama-bpe", "qwen2", "smollm", "gpt-2"]:
    m = llama_cpp.Llama(model_path=vocab_only_copy(pre), vocab_only=True, verbose=False)
    out[pre] = [{"text": t, "ids": m.tokenize(t.encode(), add_bos=False, special=True)} for t in texts]
json.dump({"source": "llama-cpp-python 0.3.36, vocab_only, SmolLM2-135M vocabulary with tokenizer.ggml.pre replaced",
           "cases": out}, open(OUT, "w"), ensure_ascii=False, indent=1)
