#!/usr/bin/env python3
"""Word error rate of a real Moonshine checkpoint on espeak-ng speech.

Random test weights cannot transcribe, so this is the check for the day a real checkpoint
is available: it downloads moonshine-tiny with `vole pull` (skipped, exit 77, when the hub
cannot be reached), speaks a few sentences with espeak-ng, transcribes them with
`vole transcribe --json` and prints the WER of each and of all together (Levenshtein over
words, after lower-casing and dropping punctuation, as the Moonshine cards report it).

  tests/stt/real_checkpoint_wer.py --vole build/bin/vole [--model moonshine-tiny] [--max-wer 0.35]
  tests/stt/real_checkpoint_wer.py --self-test      # the scoring alone, no download
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "It is a sunny day and the children are playing in the park.",
    "Turn off the lights in the kitchen before you go to bed.",
    "How many minutes does it take to walk to the train station?",
]


def words(text):
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def edit_distance(ref, hyp):
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)]


def wer(ref_text, hyp_text):
    ref, hyp = words(ref_text), words(hyp_text)
    return edit_distance(ref, hyp), len(ref)


def self_test():
    assert wer("The cat sat.", "the cat sat") == (0, 3)
    assert wer("the cat sat", "the sat") == (1, 3)            # one deletion
    assert wer("the cat sat", "the cat sat down") == (1, 3)   # one insertion
    assert wer("the cat sat", "a dog sat") == (2, 3)          # two substitutions
    assert wer("", "") == (0, 0)
    print("scoring self-test passed")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vole")
    ap.add_argument("--model", default="moonshine-tiny")
    ap.add_argument("--max-wer", type=float, default=0.35)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.vole:
        ap.error("--vole is required")
    with tempfile.TemporaryDirectory(prefix="vole-wer-") as tmp:
        env = dict(os.environ, VOLE_DATA_DIR=os.environ.get("VOLE_DATA_DIR", os.path.join(tmp, "data")))
        pull = subprocess.run([args.vole, "pull", args.model], env=env, capture_output=True, text=True)
        if pull.returncode != 0:
            print("skipped: could not download %s (%s)" % (args.model, pull.stderr.strip().splitlines()[-1:]))
            return 77
        errors = total = 0
        for i, sentence in enumerate(SENTENCES):
            wav = os.path.join(tmp, "s%d.wav" % i)
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", wav, sentence], check=True)
            out = subprocess.run([args.vole, "transcribe", "--json", wav], env=env, capture_output=True,
                                 text=True, check=True)
            text = json.loads(out.stdout)["text"]
            e, n = wer(sentence, text)
            errors, total = errors + e, total + n
            print("WER %.3f  %r -> %r" % (e / n, sentence, text))
        overall = errors / total
        print("overall WER %.3f over %d words (limit %.2f)" % (overall, total, args.max_wer))
        return 0 if overall <= args.max_wer else 1


if __name__ == "__main__":
    sys.exit(main())
