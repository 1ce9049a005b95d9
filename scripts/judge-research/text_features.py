"""Exploration only: text signals of one response to one instruction (mirrored in Swift by
WhetJudging.TextSignals): repetition, echoing the instruction, emptiness, and whether stated
constraints (counts, one word, yes/no, JSON, language) are followed."""
import re, math, json

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "a single": 1, "single": 1, "twelve": 12, "twenty": 20}
UNITS = {"word": "words", "sentence": "sentences", "paragraph": "paragraphs", "line": "lines"}
ITEM_UNITS = ("items", "examples", "tips", "ways", "reasons", "things", "points", "bullet points", "steps",
              "questions", "names", "ideas", "words", "sentences", "paragraphs", "lines", "adjectives", "synonyms",
              "benefits", "facts", "methods", "strategies", "elements", "countries", "types", "sentences")

def words(t): return re.findall(r"[\w'’-]+", t)

def sentences(t):
    parts = [s for s in re.split(r"(?<=[.!?])\s+|\n+", t.strip()) if re.search(r"\w", s)]
    return parts

def list_items(t):
    return [l for l in t.split("\n") if re.match(r"\s*(\d+[.)]|[-*•]|[a-zA-Z][.)])\s+", l)]

def paragraphs(t): return [p for p in re.split(r"\n\s*\n", t.strip()) if p.strip()]

def repetition(t):
    w = [x.lower() for x in words(t)]
    if len(w) < 4: return 0.0
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return 1 - len(set(grams)) / len(grams)

def duplicate_lines(t):
    lines = [l.strip().lower() for l in t.split("\n") if l.strip()]
    if len(lines) < 2: return 0.0
    seen, dup = set(), 0
    for l in lines:
        if l in seen: dup += 1
        seen.add(l)
    return dup / len(lines)

def echo(instruction, t):
    w = [x.lower() for x in words(t)]
    iw = [x.lower() for x in words(instruction)]
    if len(w) < 3 or len(iw) < 3: return 0.0
    ig = {tuple(iw[i:i + 3]) for i in range(len(iw) - 2)}
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return sum(g in ig for g in grams) / len(grams)

NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|a single|single)"

def parse_number(s):
    s = s.lower()
    return int(s) if s.isdigit() else NUMBER_WORDS.get(s)

def count_of(unit, t):
    if unit.startswith("word"): return len(words(t))
    if unit.startswith("sentence"): return len(sentences(t))
    if unit.startswith("paragraph"): return len(paragraphs(t))
    if unit.startswith("line"): return len([l for l in t.split("\n") if l.strip()])
    items = list_items(t)
    if items: return len(items)
    lines = [l for l in t.split("\n") if l.strip()]
    if len(lines) > 1: return len(lines)
    commas = [c for c in re.split(r",|;| and ", t) if c.strip()]
    return len(commas)

def constraint_violation(instruction, t):
    """Mean violation in [0, 1] over the constraints found in the instruction; None when there are none."""
    ins = instruction.lower()
    found = []
    for m in re.finditer(r"\b(at most|no more than|less than|fewer than|under|at least|more than|exactly|in)?\s*" + NUM +
                         r"\s+(?:[a-z-]+\s+)?(" + "|".join(sorted({u.rstrip('s') for u in ITEM_UNITS}, key=len, reverse=True)) + r")s?\b", ins):
        bound, n, unit = m.group(1), parse_number(m.group(2)), m.group(3)
        if n is None or n > 50: continue
        actual = count_of(unit, t)
        if bound in ("at most", "no more than", "less than", "fewer than", "under"):
            v = 0.0 if actual <= n else min(1.0, (actual - n) / max(n, 1))
        elif bound in ("at least", "more than"):
            v = 0.0 if actual >= n else min(1.0, (n - actual) / max(n, 1))
        else:
            v = min(1.0, abs(actual - n) / max(n, 1))
        found.append(v)
    if re.search(r"\b(one|single|1)[- ]word\b|\bin a word\b", ins):
        found.append(0.0 if len(words(t)) <= 3 else 1.0)
    if re.search(r"\b(answer|respond|reply)\s+(with\s+)?(\"|')?yes(\"|')?\s+or\s+(\"|')?no\b", ins):
        found.append(0.0 if re.match(r"\W*(yes|no)\b", t.lower()) else 1.0)
    if re.search(r"\bjson\b", ins):
        found.append(0.0 if re.search(r"[\[{]", t) else 1.0)
    return (sum(found) / len(found)) if found else None

def features(instruction, t):
    w = words(t)
    cv = constraint_violation(instruction, t)
    return {
        "words": len(w), "log_words": math.log1p(len(w)), "empty": 1.0 if not w else 0.0,
        "rep3": repetition(t), "dup_lines": duplicate_lines(t), "echo": echo(instruction, t),
        "violation": cv if cv is not None else 0.0, "has_constraint": 0.0 if cv is None else 1.0,
    }
