"""Long stories with one planted fact and a question about it, for the compression
benchmark's unseen-text check (scripts/bench-compress). Two sources:

- `generated`: narrative paragraphs from templates with random people, places and objects;
  the filler mentions the fact's subject (the safe, the ferry, the letter...) without the
  answer, so similarity to the question alone does not find the fact;
- `nq`: Wikipedia passages from other questions (nq-open-oracle) as filler.

Each story is (text, question, answer, depth) with the fact at a random depth.
"""
import random

NAMES = ["Mira", "Tobias", "Elena", "Joachim", "Priya", "Anselm", "Greta", "Oskar", "Lucia", "Matthias", "Nadia",
         "Felix", "Ines", "Rafael", "Sofia", "Viktor", "Hanna", "Emil", "Clara", "Bruno", "Agnes", "Leon"]
PLACES = ["the harbour", "the mill", "the chapel", "the old library", "the market square", "the orchard",
          "the lighthouse", "the train station", "the bakery", "the village school", "the river bank", "the inn"]
WEATHER = ["Rain drummed on the roofs", "A cold wind came down from the hills", "The fog lay thick over the water",
           "The sun broke through late in the afternoon", "Snow had fallen during the night",
           "The air smelled of salt and smoke"]
ACTIONS = ["walked slowly to {place}", "waited by the window of {place}", "argued with {other} near {place}",
           "carried a basket of apples past {place}", "wrote a long letter at a table in {place}",
           "listened to the bells from {place}", "repaired a broken fence behind {place}",
           "shared a pot of tea with {other} at {place}", "counted the boats from {place}",
           "searched the shelves of {place} for an old map"]
THOUGHTS = ["{name} wondered whether {other} had told the truth.", "{name} remembered the winter of the great flood.",
            "Nobody in the village spoke about what had happened that spring.",
            "{name} thought about leaving for the city, but the idea never lasted long.",
            "The clock in {place} had stopped years ago, and nobody had wound it since.",
            "{other} laughed, though it was not clear at what.",
            "It was the kind of evening when every sound carried across the valley.",
            "{name} had promised to keep a secret, and meant to keep it."]

FACTS = [
    # (fact sentence, question, answer, filler sentences about the same subject)
    ("The combination to the iron safe in {place} was {num}.", "What was the combination to the iron safe?", "{num}",
     ["Everyone knew about the iron safe, but nobody had seen it opened.",
      "{name} glanced at the iron safe and said nothing."]),
    ("{name} had hidden the stolen letter inside a {color} teapot in the attic.",
     "Where had {name} hidden the stolen letter?", "{color} teapot",
     ["The stolen letter was the talk of the inn for weeks.", "{other} asked twice about the letter, without an answer."]),
    ("The last ferry to Korrin Island left every evening at {hour}:{minute}.",
     "At what time did the last ferry to Korrin Island leave?", "{hour}:{minute}",
     ["The ferry to Korrin Island was always late in bad weather.", "{name} had never taken the ferry to the island."]),
    ("{name}'s older brother worked as a {job} in the town of {town}.",
     "What was the job of {name}'s older brother?", "{job}",
     ["{name} rarely spoke of the older brother who had left.", "Letters from the brother came once a year."]),
    ("The password to the archive room was {word1}{word2}.", "What was the password to the archive room?", "{word1}{word2}",
     ["The archive room stayed locked most of the year.", "{other} tried the archive room door and found it shut."]),
    ("The lighthouse keeper's dog was called {dog}.", "What was the name of the lighthouse keeper's dog?", "{dog}",
     ["The lighthouse keeper walked the dog along the cliffs every morning.",
      "Children in the village loved the lighthouse keeper's dog."]),
]
COLORS = ["green", "blue", "yellow", "crimson", "white", "copper", "violet"]
JOBS = ["glassblower", "clockmaker", "bookbinder", "surveyor", "pharmacist", "ferryman", "stonemason"]
TOWNS = ["Aldbury", "Wenlock", "Marsden", "Oakhurst", "Tarrow", "Belmont"]
WORDS = ["Heron", "Lantern", "Copper", "Willow", "Falcon", "Harbor", "Ember", "Quartz"]
DOGS = ["Biscuit", "Pepper", "Admiral", "Juniper", "Moss", "Tinker"]


def _fill(template, rng, fixed):
    values = dict(fixed)
    values.setdefault("name", rng.choice(NAMES))
    values.setdefault("other", rng.choice([n for n in NAMES if n != values["name"]]))
    values.setdefault("place", rng.choice(PLACES))
    return template.format(**values)


def _generated_paragraph(rng, subject_lines, fixed):
    sentences = [rng.choice(WEATHER) + "."]
    for _ in range(rng.randint(3, 6)):
        kind = rng.random()
        if kind < 0.5:
            name = rng.choice(NAMES)
            sentences.append(name + " " + _fill(rng.choice(ACTIONS), rng, {**fixed, "name": name}) + ".")
        elif kind < 0.85:
            sentences.append(_fill(rng.choice(THOUGHTS), rng, fixed))
        else:
            sentences.append(_fill(rng.choice(subject_lines), rng, fixed))
    return " ".join(sentences)


def _fact(rng):
    sentence, question, answer, subject = rng.choice(FACTS)
    fixed = {"num": f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}", "color": rng.choice(COLORS),
             "hour": rng.randint(5, 11), "minute": rng.choice(["05", "15", "25", "40", "55"]), "job": rng.choice(JOBS),
             "town": rng.choice(TOWNS), "word1": rng.choice(WORDS), "word2": rng.choice(WORDS),
             "dog": rng.choice(DOGS), "name": rng.choice(NAMES), "place": rng.choice(PLACES)}
    fixed["other"] = rng.choice([n for n in NAMES if n != fixed["name"]])
    return (sentence.format(**fixed), question.format(**fixed), answer.format(**fixed), subject, fixed)


def generated_story(rng, paragraphs=40):
    fact, question, answer, subject, fixed = _fact(rng)
    paras = [_generated_paragraph(rng, subject, {k: v for k, v in fixed.items() if k in ("name",)})
             for _ in range(paragraphs)]
    depth = rng.random()
    p = min(len(paras) - 1, int(depth * len(paras)))
    sentences = paras[p].split(". ")
    k = rng.randint(0, len(sentences))
    sentences.insert(k, fact.rstrip("."))
    paras[p] = ". ".join(s.rstrip(".") for s in sentences) + "."
    return "\n\n".join(paras), question, answer, depth


def nq_story(rng, passages, paragraphs=30):
    fact, question, answer, _, _ = _fact(rng)
    paras = [p for p in rng.sample(passages, paragraphs)]
    depth = rng.random()
    p = min(len(paras) - 1, int(depth * len(paras)))
    paras.insert(p, fact)
    return "\n\n".join(paras), question, answer, depth
