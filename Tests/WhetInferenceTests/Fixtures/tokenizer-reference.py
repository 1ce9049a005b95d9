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
