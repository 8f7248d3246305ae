"""Score extraction against the hand-annotated seeds (tests/gold/seed_claims.json) and the extra test articles
(tests/gold/extra_claims.json over tests/data/articles/), and the speakers of single sentences of news prose
(tests/gold/speaker_sentences.json, written blind to the rules; its held_out half is scored, never looked at), and
the speakers of short texts named through a body, an office or an earlier mention (tests/gold/speaker_phrases.json,
"Pfizer's spokesman said", "the company said" after the company was named; written blind the same way, in halves).

    python scripts/evaluate_extraction.py [--extractor spacy|rules|both] [--errors]

Prints, per gold set, claim recall and precision, speaker, voice, date and responds_to accuracy, boilerplate
claims and ms per article (the matching rules are in service/extraction/evaluation.py); for the sentences, per
half, the share whose speaker is the gold one (or none where none is expected) and, of those, the share told
rightly as a person or a body.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.extraction import load_extractor  # noqa: E402
from service.extraction.evaluation import (  # noqa: E402
    evaluate, evaluate_speakers, format_figures, load_gold, load_speaker_cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extractor", default="both", choices=["spacy", "rules", "both"])
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "gold" / "seed_claims.json")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--extra-gold", type=Path, default=ROOT / "tests" / "gold" / "extra_claims.json")
    parser.add_argument("--extra-articles", type=Path, default=ROOT / "tests" / "data" / "articles")
    parser.add_argument("--speaker-sentences", type=Path, default=ROOT / "tests" / "gold" / "speaker_sentences.json")
    parser.add_argument("--speaker-phrases", type=Path, default=ROOT / "tests" / "gold" / "speaker_phrases.json",
                        help="short texts whose speaker is named through a body, an office or an earlier mention")
    parser.add_argument("--errors", action="store_true",
                        help="list every missed, extra or wrong claim, and the validation half's wrong speakers")
    args = parser.parse_args()
    gold_sets = [("seeds", load_gold(args.gold), args.seeds)]
    if args.extra_gold.exists():
        gold_sets.append(("extra articles", load_gold(args.extra_gold), args.extra_articles))
    for name in (["rules", "spacy"] if args.extractor == "both" else [args.extractor]):
        started = time.perf_counter()
        extractor = load_extractor(name)
        extractor.extract("Warm-up: the minister said the model is loaded.")
        load_s = time.perf_counter() - started
        for label, gold, articles in gold_sets:
            evaluate(extractor, gold, articles)  # warm caches; the second run is the one timed
            report = evaluate(extractor, gold, articles)
            print(format_figures(f"{extractor.name} on the {label}", report.figures()))
            print(f"  {'load_seconds':36s} {load_s:.2f}")
            if args.errors:
                for line in report.errors():
                    print("   ", line)
        for label, path in (("single sentences", args.speaker_sentences), ("speaker phrases", args.speaker_phrases)):
            if not path.exists():
                continue
            for half, score in evaluate_speakers(extractor, load_speaker_cases(path)).items():
                print(f"{extractor.name} on {label}, {half}: speaker right {score.right}/{score.cases} "
                      f"({score.right / score.cases:.3f}); person or body right {score.kind_right}/{score.kind_cases}")
                if args.errors and half == "validation":
                    for line in score.misses:
                        print("   ", line)


if __name__ == "__main__":
    main()
