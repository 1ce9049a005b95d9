"""Writes the WhetEmbeddings test fixtures: HF `tokenizers` ids and numpy reference embeddings
for the same varied strings. Run from the repository root after scripts/setup:
    python3 scripts/embed-reference/make_fixtures.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minilm_numpy import MiniLM  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUT = os.path.join(ROOT, "Tests", "WhetEmbeddingsTests", "Fixtures")

LONG_TEXT = " ".join(
    f"Sentence {i} of a long document talks about prompt optimisation, embeddings and clustering."
    for i in range(40)
)

STRINGS = [
    "",
    " ",
    "   \t\n  ",
    "\u00a0\u2003\u3000",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "HELLO World, MiXeD CaSe.",
    "Café déjà vu: naïve façade, résumé, coöperate.",
    "Ångström, Øresund, Œuvre, Straße, İstanbul, ΣΊΣΥΦΟΣ.",
    "Cafe\u0301 with a combining acute accent",
    "Français, español, português, română, čeština, łódź.",
    "Привет, мир! Как дела?",
    "Γειά σου Κόσμε· καλημέρα;",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "你好，世界！今天天气很好。",
    "我爱自然语言处理和机器学习",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 문장도 토큰화됩니다.",
    "Mixed 中文 and English 文本 together.",
    "Rare CJK: \U00020000\U0002a700\U0002b820\U0002b920 and \uf900.",
    "Numbers: 3.14159, 1,000,000, -42, 1e-9, 0x1F, 2024-11-29.",
    "Phone +1 (555) 123-4567; price $19.99 or €20,00 or ¥3000.",
    "Punctuation!!! ??? ... --- ;;; ::: ((())) [[]] {{}} <<>>",
    "ASCII symbols: ~`!@#$%^&*()_+-={}|[]\\:\";'<>?,./",
    "Unicode punctuation: «quotes» „German“ ‘single’ — dash – en ‥ … ¿¡ ※ 〈〉",
    "Symbols that are not punctuation: © ® ™ ° ± × ÷ ∞ ≈ ≠ ≤ ≥ √ ∑ ∫",
    "Emoji: 😀 🚀 👍🏽 🇫🇷 ❤️ 👨‍👩‍👧",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis is a long word",
    "a" * 100,
    "b" * 101 + " after",
    "x" * 250,
    "https://example.com/path/to/page?query=1&other=two#anchor",
    "user.name+tag@example.co.uk wrote: don't, can't, won't, it's, y'all",
    "snake_case_identifier camelCaseIdentifier kebab-case-id PascalCase",
    "def f(x): return x ** 2 if x > 0 else -x  # comment",
    "Tabs\tand\nnewlines\r\nand carriage returns",
    "Zero\u200bwidth\u200cjoiners\u200d and\ufeffBOM",
    "Control\u0001chars\u0007here\u001b[0m and \x00 null",
    "Replacement \ufffd char and private use \ue000 here",
    "Ligatures ﬁ ﬂ ﬀ and full-width ＡＢＣ１２３！",
    "Superscripts x² y³ and fractions ½ ¼ and roman Ⅻ",
    "Special tokens in text: [CLS] hello [SEP] world [MASK] [UNK] [PAD]",
    "Almost special: [cls] [ SEP ] [MASK",
    "The year 1999 and the 21st century; 4th of July; 100%.",
    "naïve ÀÉÎÕÜ àéîõü ÇçÑñ",
    "Vietnamese: Tiếng Việt có dấu",
    "Dutch ij and Turkish ı dotless and I dotted i̇",
    "Question: what is the capital of France? Answer: Paris.",
    "Summarize the following text in three bullet points.",
    "You are a helpful assistant. Think step by step.",
    LONG_TEXT,
]


def main():
    model = MiniLM(MODEL)
    os.makedirs(OUT, exist_ok=True)
    ids = [{"text": t, "ids": model.token_ids(t)} for t in STRINGS]
    with open(os.path.join(OUT, "tokenizer_ids.json"), "w", encoding="utf-8") as f:
        json.dump({"max_length": model.max_len, "cases": ids}, f, ensure_ascii=False, indent=0)
    # Batches mix lengths so padding and its mask are exercised.
    vectors = model.embed(STRINGS, batch_size=16)
    cases = [{"text": t, "vector": [round(float(v), 6) for v in vec]} for t, vec in zip(STRINGS, vectors)]
    with open(os.path.join(OUT, "reference_embeddings.json"), "w", encoding="utf-8") as f:
        json.dump({"model": "all-MiniLM-L6-v2", "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(STRINGS)} strings; longest {max(len(c['ids']) for c in ids)} ids")


if __name__ == "__main__":
    main()
