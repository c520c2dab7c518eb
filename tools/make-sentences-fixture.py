#!/usr/bin/python3
"""tests/fixtures/tiny-sentences.rali: tiny-quickgelu.rali (the same weights,
so the same scores) with descriptor texts of several sentences, as the
default model's next texts are ("The light is even and the exposure is
balanced. Colours look natural. The photo is soft: the focus is slightly
off. ..."), for the consensus tests (tests/test-explain.c, test-cli.py).

Each of the 12 prototypes says one of two things about each of four
topics (light, colour, focus, noise), chosen by the bits of its index, then
its overall quality from its score; a few texts are written as clauses
("...; ...") and in other letter case, which the consensus must treat as
the same sentences; every text also ends with one sentence that all of them
share, which says nothing about a photo.

    tools/make-sentences-fixture.py [SOURCE.rali] [OUT.rali]"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ralifmt  # noqa: E402

ROOT = os.path.dirname(HERE)
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "tiny-quickgelu.rali")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "fixtures", "tiny-sentences.rali")

TOPICS = [
    ("The light is even and the exposure is balanced", "The photo is too dark"),
    ("Colours look natural", "Colours are washed out"),
    ("The photo is sharp", "The photo is soft: the focus is slightly off"),
    ("No visible noise or compression artefacts", "Noise is visible in the shadows"),
]

w, cfg = ralifmt.load_rali(src)
scores = w["rali.prototype_scores"]
texts = []
for i in range(cfg["prototypes"]):
    said = [TOPICS[t][(i >> t) & 1] for t in range(4)]
    s = scores[i]
    said.append("Overall quality is " + ("good" if s >= 0.66 else "fair" if s >= 0.33 else "poor"))
    said.append("Fixture text")
    if i % 3 == 2:  # clauses, lower case: the same sentences
        texts.append("; ".join(x[0].lower() + x[1:] for x in said))
    else:
        texts.append(". ".join(said) + ".")
cfg["name"] = "tiny-sentences (test fixture)"
cfg["source"] = "tiny-quickgelu.rali with multi-sentence descriptors from tools/make-sentences-fixture.py"
cfg["descriptors"] = texts
ralifmt.save_rali(out, w, cfg)
print(out)
for t in texts:
    print(" ", t)
