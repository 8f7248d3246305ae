"""Extraction measured against the hand-annotated seeds (tests/gold/seed_claims.json).

Prints claim recall and precision, speaker, voice, date and responds_to accuracy and boilerplate claims for both
extractors (the figures in the README come from this output), and asserts the targets. The extra articles
(tests/data/articles/, gold in tests/gold/extra_claims.json) are scored for what a claim answers.
"""
from __future__ import annotations

from datetime import date

import pytest

from service.extraction import load_extractor
from service.extraction.dates import find_time_expression
from service.extraction.references import answered_content
from service.extraction.evaluation import (
    evaluate, evaluate_references, evaluate_speakers, format_figures, load_gold, load_reference_articles,
    load_speaker_cases)

from .conftest import PROJECT_ROOT, SEEDS

GOLD_PATH = PROJECT_ROOT / "tests" / "gold" / "seed_claims.json"
EXTRA_GOLD_PATH = PROJECT_ROOT / "tests" / "gold" / "extra_claims.json"
EXTRA_ARTICLES = PROJECT_ROOT / "tests" / "data" / "articles"
SPEAKER_PHRASES = PROJECT_ROOT / "tests" / "gold" / "speaker_phrases.json"
SPEAKER_SENTENCES = PROJECT_ROOT / "tests" / "gold" / "speaker_sentences.json"
REFERENCES_BLIND = PROJECT_ROOT / "tests" / "gold" / "responds_to_blind.json"
REFERENCES_BLIND2 = PROJECT_ROOT / "tests" / "gold" / "responds_to_blind2.json"
REFERENCES_BLIND3 = PROJECT_ROOT / "tests" / "gold" / "responds_to_blind3.json"
REFERENCES_BLIND4 = PROJECT_ROOT / "tests" / "gold" / "responds_to_blind4.json"
REFERENCES_BLIND5 = PROJECT_ROOT / "tests" / "gold" / "responds_to_blind5.json"


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD_PATH)


@pytest.mark.parametrize("gold_path, folder", [(GOLD_PATH, SEEDS), (EXTRA_GOLD_PATH, EXTRA_ARTICLES)])
def test_gold_texts_are_verbatim_in_the_seeds(gold_path, folder):
    gold = load_gold(gold_path)
    names = {s["name"] for s in gold["speakers"]}
    assert {a["file"] for a in gold["articles"]} == {p.name for p in folder.glob("*.txt")}
    for article in gold["articles"]:
        raw = (folder / article["file"]).read_text(encoding="utf-8")
        texts = {c["text"] for c in article["claims"]} | {n["text"] for n in article["not_claims"]}
        for entry in article["claims"] + article["not_claims"]:
            assert raw[entry["start"]:entry["end"]] == entry["text"]
        for claim in article["claims"]:
            assert claim["responds_to"] is None or claim["responds_to"] in texts
            assert set(claim["speakers"]) <= names
            assert claim["voice"] in {"asserts", "denies", "admits", "alleges", "reports", "refuses_to_confirm"}
            if claim["date"]:
                assert article["published"], "a date is resolved only against an article date"


@pytest.mark.parametrize("name", ["spacy", "rules"])
def test_extraction_meets_the_targets_on_the_seeds(gold, name, capsys):
    extractor = load_extractor(name)
    extractor.extract("The minister said the model is loaded before the timing starts.")
    report = evaluate(extractor, gold, SEEDS)
    figures = report.figures()
    with capsys.disabled():
        print("\n" + format_figures(name, figures))
        for line in report.errors():
            print("   ", line)
    assert figures["speaker_accuracy"] >= 0.95
    assert figures["voice_accuracy"] >= 0.9
    assert figures["boilerplate_claims"] == 0
    assert figures["claim_recall"] >= 0.95
    assert figures["claim_precision"] >= 0.9
    assert figures["date_accuracy"] >= 0.95
    assert figures["responds_to_accuracy"] >= 0.9 and figures["responds_to_pairs"] >= 12


@pytest.mark.parametrize("name", ["spacy", "rules"])
def test_referring_claims_find_what_they_answer_in_the_extra_articles(name, capsys):
    report = evaluate(load_extractor(name), load_gold(EXTRA_GOLD_PATH), EXTRA_ARTICLES)
    figures = report.figures()
    with capsys.disabled():
        print("\n" + format_figures(f"{name} on the extra articles", figures))
    assert figures["claim_recall"] >= 0.9 and figures["boilerplate_claims"] == 0
    assert figures["responds_to_accuracy"] >= 0.9 and figures["responds_to_pairs"] >= 10


def test_speakers_of_news_prose_beyond_the_seeds(capsys):
    """Titles, bodies, groups and appositions of everyday news prose: the extra articles, and single sentences
    written blind to the rules (before 2026-12-04: 0.633 on the articles, 0.550 / 0.625 on the two halves; stop 31:
    0.967, 1.000 / 0.900; stop 32: 1.000, 1.000 / 0.925)."""
    extractor = load_extractor("spacy")
    articles = evaluate(extractor, load_gold(EXTRA_GOLD_PATH), EXTRA_ARTICLES).figures()
    sentences = evaluate_speakers(extractor, load_speaker_cases(SPEAKER_SENTENCES))
    with capsys.disabled():
        print(f"\nspeakers: extra articles {articles['speaker_accuracy']:.3f}; " + "; ".join(
            f"{half} {score.right}/{score.cases}" for half, score in sentences.items()))
    assert articles["speaker_accuracy"] >= 0.95
    assert sentences["validation"].right / sentences["validation"].cases >= 0.95
    assert sentences["held_out"].right / sentences["held_out"].cases >= 0.85
    assert sentences["held_out"].kind_right / sentences["held_out"].kind_cases >= 0.8


def test_speakers_named_through_a_body_an_office_or_an_earlier_mention(capsys):
    """Short texts written blind to the rules (tests/gold/speaker_phrases.json): "Pfizer's spokesman said", "a
    Liga official said", "Portugal's finance minister said", "..., the utility said" after the utility was named.
    Before 2026-12-04's stop 34: validation 16/48, held out 21/48; after: 46/48 and 36/48."""
    cases = load_speaker_cases(SPEAKER_PHRASES)
    scores = evaluate_speakers(load_extractor("spacy"), cases)
    with capsys.disabled():
        print("\nspeaker phrases: " + "; ".join(f"{half} {s.right}/{s.cases}" for half, s in scores.items()))
    assert scores["validation"].right / scores["validation"].cases >= 0.9
    assert scores["held_out"].right / scores["held_out"].cases >= 0.7
    assert scores["held_out"].kind_right == scores["held_out"].kind_cases


@pytest.mark.parametrize("text, speaker, is_person", [
    # an unnamed voice of a body: the body speaks
    ("The tunnel will stay closed until Friday, Eurotunnel's spokeswoman said on Sunday.", "Eurotunnel", False),
    ("A Ryanair spokesman said the airline had cancelled 40 flights because of the strike.", "Ryanair", False),
    ("A senior Siemens official confirmed that the turbine plant in Berlin would close.", "Siemens", False),
    ("A spokesman said the airline had cancelled 40 flights because of the strike.", None, None),
    # an office never filled by a name: the office, as written
    ("Chile's finance minister said copper revenue would fall by a fifth next year.", "Chile's finance minister",
     True),
    ("His lawyer said the former mayor had never received the money.", None, None),
    # a title, then the name set off by commas, before or after the verb
    ("Nokia's chief executive, Pekka Lundmark, said the company would cut 14,000 jobs.", "Pekka Lundmark", True),
    ("“Orders have never been higher,” said Vestas's finance chief, Hans Martin Smith, on Tuesday.",
     "Hans Martin Smith", True),
    ("According to Tesco's chairman, John Allan, the chain will open 30 stores.", "John Allan", True),
    # the company set off by commas, and a verb's word used in another sense
    ("Greenhill Foods recalled 2,000 jars on Monday. The recall, the company said, covers two batches of jam.",
     "Greenhill Foods", False),
])
def test_a_speaker_named_through_a_body_an_office_or_an_earlier_mention(text, speaker, is_person):
    claims = load_extractor("spacy").extract(text).claims
    found = claims[-1].speakers[0] if claims[-1].speakers else None
    assert (found.name if found else None) == speaker
    if speaker:
        assert found.is_person is is_person


@pytest.mark.parametrize("text, speaker", [
    ("Vattenfall said on Monday it would close the Moorburg plant. About 300 jobs would go, the utility said.",
     "Vattenfall"),  # a speaker named without saying what it is
    ("Shares in Aviva fell 4 percent on Tuesday. Storm claims had been higher than expected, the insurer said.",
     "Aviva"),  # named but not as a speaker
    ("The University of Leeds published the study on Monday. Emissions fell 8 percent, the newspaper said.", None),
    ("Judge Maria Ferreira adjourned the trial until March. She said the defence needed more time.",
     "Maria Ferreira"),
])
def test_the_company_or_she_is_the_one_named_before(text, speaker):
    """"The utility" is the body named last that can be one, as a speaker or not; "the newspaper" is never a
    university; "she" with no speaker before is the person last named as a subject."""
    claims = load_extractor("spacy").extract(text).claims
    assert claims[-1].speaker == speaker


@pytest.mark.parametrize("name", ["rules", "spacy"])
@pytest.mark.parametrize("text", [
    "The company added 300 jobs at its plant in Ohio last year.",
    "The blast claimed at least 20 lives in the northern city of Kano on Monday.",
    "The team claimed the title on Sunday after beating Porto 2-1.",
    "Storms added to the misery of farmers in the region after the drought.",
])
def test_a_reporting_verb_in_another_sense_reports_nothing(name, text):
    """"added 300 jobs", "claimed 20 lives": no reporting verb, so no speaker and no "alleges" voice (the voice
    stance reads as a hedge)."""
    [claim] = load_extractor(name).extract(text).claims
    assert (claim.speaker, claim.verb, claim.voice) == (None, None, "asserts")


def test_a_reporting_verb_that_reports_keeps_its_speaker():
    claims = load_extractor("spacy").extract(
        "Hunter claimed 10 suspects had been caught near the border. "
        "The plant will close in March, the official said. "
        "The ministry added that the border would reopen on Friday."
    ).claims
    assert [(c.verb, c.voice) for c in claims] == [("claimed", "alleges"), ("said", "asserts"), ("added", "asserts")]


@pytest.mark.parametrize("text, speaker, role, is_person", [
    ("Opposition lawmaker Ion Cebotari said the government must publish the delivery logs.",
     "Ion Cebotari", "Opposition lawmaker", True),
    ("Nordic Air chief executive Lena Holm dismissed the report as deeply flawed.",
     "Lena Holm", "Nordic Air chief executive", True),
    ("Consumer group Fair Skies said the airline had ignored its complaints.", "Fair Skies", "Consumer group", False),
    ("The investigative newspaper Ziarul Nord reported that 40 trucks were unloaded at an army base.",
     "Ziarul Nord", "investigative newspaper", False),
    ("Residents of the Vake district said that police had fired tear gas.", "Residents of the Vake district", None,
     False),
    ("A spokesperson for the Chinese embassy in Astana declined to comment on the claims.",
     "Chinese embassy in Astana", None, False),
    ("Andrei Popescu, the mayor of Cluj-Napoca, said the city would close three streets.",  # "And..." is a name
     "Andrei Popescu", "mayor of Cluj-Napoca", True),
    ("Brazil's central bank dismissed speculation that it would intervene in the market.", "Brazil's central bank",
     None, False),
    # a name with "of" in it, of a body or of a title (2026-12-04, stop 32)
    ("The Bank of England said inflation would fall below 3 percent by the spring.", "Bank of England", None, False),
    ("Secretary of State Antony Blinken said the talks had made no progress.", "Antony Blinken",
     "Secretary of State", True),
    ("Minister for Energy Lena Vogt said the plant would close in 2027.", "Lena Vogt", "Minister for Energy", True),
    # a document speaks for whoever made it
    ("A United Nations report found that 40 percent of the wells in the region were dry.", "United Nations", None,
     False),
    ("A study by the University of Oslo found that the vaccine cut infections by half.", "University of Oslo", None,
     False),
    ("According to a report by Amnesty International, 12 journalists were detained in May.",
     "Amnesty International", None, False),
])
def test_a_speaker_introduced_by_what_they_are(text, speaker, role, is_person):
    claim = load_extractor("spacy").extract(text).claims[0]
    assert (claim.speaker, claim.speaker_role, claim.speaker_is_person) == (speaker, role, is_person)


def test_a_document_speaks_for_the_body_named_before_it():
    """"The bank's report", "the regulator's audit": the body the article named, even by what it does."""
    claims = load_extractor("spacy").extract(
        "The World Bank said on Tuesday that growth would slow to 2 percent.\n"
        "The bank's report also found that public debt had doubled since 2019.\n"
        "The Financial Conduct Authority said in March that the lender had broken its rules.\n"
        "The regulator's audit, published after a year-long inquiry, found that 3,000 accounts were frozen.\n"
        "Officials report that the bridge is closed."
    ).claims
    speakers = {c.text[:20]: (c.speaker, c.verb) for c in claims}
    assert speakers["The bank's report al"] == ("World Bank", "found")
    assert speakers["The regulator's audi"] == ("Financial Conduct Authority", "found")
    assert speakers["Officials report tha"] == (None, "report")  # a verb, not a document


@pytest.mark.parametrize("name", ["spacy", "rules"])
@pytest.mark.parametrize("text, verb", [
    ("The report says that HBO is targeting a launch in early April.", "says"),
    ("The report also claims that the watch will only show the time.", "claims"),
    ("A new report claims the launch has slipped to March.", "claims"),
])
def test_a_document_noun_after_a_determiner_is_no_verb_and_names_no_speaker(name, text, verb):
    """"The report says": "report" is the subject, not a verb whose speaker is "The" (seen in FNC-1 bodies)."""
    [claim] = load_extractor(name).extract(text).claims
    assert (claim.speaker, claim.verb) == (None, verb)


def test_a_second_quotation_and_a_body_named_again_keep_their_speaker():
    claims = load_extractor("spacy").extract(
        "The Civil Aviation Authority said on Thursday that Nordic Air sold tickets for cancelled flights.\n"
        "“Such reports are false,” ministry spokesman Arman Seitkali said. “The price part is pure invention.”\n"
        "“We never saw the logs,” Seitkali said. Officials disagreed. “Nothing was diverted at all.”\n"
        "The authority said it would decide on a fine by the end of October."
    ).claims
    speakers = {c.text: c.speaker for c in claims}
    assert speakers["The price part is pure invention."] == "Arman Seitkali"
    assert speakers["Nothing was diverted at all."] is None  # a sentence of its own stands between
    assert speakers["The authority said it would decide on a fine by the end of October."] == "Civil Aviation Authority"


def test_the_parser_finds_what_the_rules_miss(gold):
    """'..., he added, although he admitted that X': a second claim, with its own voice, outside the quotation."""
    sentence = ("“We have not provided Russia with any weapons,” he added, although he admitted that the two "
                "countries have cooperative ties.")
    text = "Foreign Minister Hossein Amir-Abdollahian said on Monday that Iran wants talks.\n" + sentence
    by_rules = load_extractor("rules").extract(text).claims
    by_parser = load_extractor("spacy").extract(text).claims
    admitted = [c for c in by_parser if c.voice == "admits"]
    assert admitted and admitted[0].text == "he admitted that the two countries have cooperative ties"
    assert admitted[0].speaker == "Hossein Amir-Abdollahian"
    assert not [c for c in by_rules if c.voice == "admits"]


def test_joint_and_listed_speakers_keep_every_attribution():
    claims = load_extractor("spacy").extract(
        "Moscow and Tehran have repeatedly denied these claims.\n"
        "Iran has denied accusations of arming Russia and Russia maintains that the West wants to pressure Iran."
    ).claims
    assert [s.name for s in claims[0].speakers] == ["Russia", "Iran"]
    assert [(c.speaker, c.voice) for c in claims[1:]] == [("Iran", "denies"), ("Russia", "asserts")]


@pytest.mark.parametrize(
    "sentence, published, expected",
    [
        ("The minister on Friday denied it.", date(2023, 3, 3), "2023-03-03"),  # the article's own Friday
        ("The minister on Monday denied it.", date(2023, 3, 3), "2023-02-27"),
        ("In November, he said so.", date(2023, 3, 3), "2022-11"),
        ("The Post reported in October that ...", date(2023, 3, 3), "2022-10"),
        ("He said so on October 28.", date(2023, 3, 3), "2022-10-28"),
        ("He said so on March 1.", date(2023, 3, 3), "2023-03-01"),
        ("He said so last week.", date(2023, 3, 3), "2023-02"),  # Feb 20-26
        ("He said so last week.", date(2023, 3, 8), None),  # Feb 27 - Mar 5 spans two months: not guessed
        ("He said so today.", date(2023, 3, 3), "2023-03-03"),
        ("He said so on Saturday.", None, None),  # no article date: never guessed
        ("He said so in November 2022.", None, "2022-11"),  # the expression names its year
        ("Kanani denied it – a peninsula annexed in 2014 – on Monday.", None, None),
    ],
)
def test_time_expressions_resolve_only_when_the_article_date_allows(sentence, published, expected):
    found = find_time_expression(sentence, published)
    assert found is not None
    assert found.resolved == expected


@pytest.mark.parametrize("gold, validation, held_out", [
    # 64 wire-style articles written by helpers who saw no code (stop 35): denials, dismissals, confirmations,
    # "That is not true", "There is no such plan", chains and controls. Linked right before stop 35 (ffe64b4): 37/62
    # of the validation half and 23/47 of the held-out half; after: 58/62 and 30/47; since stop 36: 62/62 and 34/47.
    (REFERENCES_BLIND, 0.9, 0.6),
    # a second set (stop 36), by helpers who saw neither the code nor the first set: trailing attributions ("..., the
    # weekly reported on Tuesday."), "declined to comment", "We have no plans of that kind", "The figures quoted by
    # the newspaper do not reflect ...". Before stop 36 (c76ff7d): 28/46 and 18/45; after: 38/46 and 25/45; after
    # stop 37 (the third set's rules): 43/46 and 32/45.
    (REFERENCES_BLIND2, 0.9, 0.65),
    # a third set (stop 37), by helpers who saw neither the code nor the earlier sets: "These accusations have no
    # basis", "What the newspaper published is a smear", "None of that is correct", "contested the amount", "said it
    # was looking into the claims", a group's lead told unnamed and its detail under the group's name. Before stop
    # 37 (175a0fe): 34/46 and 30/44; after: 45/46 and 31/44; after stop 38: 45/46 and 32/44.
    (REFERENCES_BLIND3, 0.9, 0.65),
    # a fourth set (stop 38), by helpers who saw neither the code nor the earlier sets: "The numbers being shared
    # online have no basis", "said that was pure fiction", "told reporters the article was a tale someone dreamed
    # up", replies to a reporter's question, a sentence that only names a report's source. Before stop 38
    # (e6f2941): 31/42 and 30/48; after: 42/42 and 32/48.
    (REFERENCES_BLIND4, 0.9, 0.6),
    # a fifth set (stop 39), by helpers who saw neither the code nor the earlier sets: "That's simply not true", a
    # reply that names a plan answering the question before it, "said at her weekly briefing on Thursday that the
    # article ...", a sentence on where an estimate was drawn from. Before stop 39 (8be97c7): 37/43 and 30/38;
    # after: 42/43 and 30/38.
    (REFERENCES_BLIND5, 0.9, 0.7),
], ids=["first set", "second set", "third set", "fourth set", "fifth set"])
def test_referring_claims_in_articles_written_blind_to_the_rules(gold, validation, held_out, capsys):
    """Each blind set's halves link their referring claims to the gold sentence at least this often, and every
    control (a claim that names its own content) stays unlinked."""
    scores = evaluate_references(load_extractor("spacy"), load_reference_articles(gold))
    with capsys.disabled():
        print(f"\nreferring claims, {gold.name}: " + "; ".join(f"{half} {s.linked_right}/{s.entries}"
                                                             for half, s in scores.items()))
    assert scores["validation"].linked_right / scores["validation"].entries >= validation
    assert scores["held_out"].linked_right / scores["held_out"].entries >= held_out
    assert all(s.controls_right == s.controls for s in scores.values())


ALLEGATION = "Local media reported on Monday that the mayor of Tarnow had hidden a 2 million zloty loan."
TRAILING = "The mayor of Tarnow hid a 2 million zloty loan from the council, the weekly Gazeta Nowa reported on Monday."


@pytest.mark.parametrize("text, claim, answers, polarity", [
    # a dateline is no speaker, and no part of the claim
    ("TARNOW, Poland, March 3 (Vistula Wire) - Mayor Jan Nowak said the loan was repaid in 2021.",
     "Mayor Jan Nowak said", None, "positive"),
    # the judgement in the content, after the attribution
    (f"{ALLEGATION}\n\nA city hall spokeswoman said on Tuesday the information was accurate.", "information was",
     "Local media reported", "positive"),
    (f"{ALLEGATION}\n\nNowak told reporters: “That is simply not true. I have no loans.”", "That is simply",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nNowak told the council on Tuesday that he “firmly rejects these allegations”.",
     "rejects these allegations", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nNowak rejected the accusations on Wednesday.", "rejected the accusations",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nThe regional auditor said it would neither confirm nor deny such reports.",
     "neither confirm", "Local media reported", "positive"),
    (f"{ALLEGATION}\n\nThe bank said it could not confirm the report.", "could not confirm", "Local media reported",
     "positive"),
    ("A reporter asked Nowak whether the city planned to sell the stadium.\n\n“There is no such plan,” he said.",
     "no such plan", "A reporter asked", "negative"),
    # a second rejection after the first reaches the allegation both answer
    (f"{ALLEGATION}\n\n“These claims are baseless,” Nowak said. His party also dismissed such reports as a smear.",
     "dismissed such reports", "Local media reported", "negative"),
    # stop 36, from the second blind set: a bare refusal to comment, "no ... of that kind", "Talk of", figures that
    # do not reflect, "they" after the reference was seen, "It's a story that belongs in a novel", a repeated denial
    (f"{ALLEGATION}\n\nThe bank declined to comment.", "declined to comment", "Local media reported", "positive"),
    (f"{ALLEGATION}\n\nNowak did not respond to a request for comment.", "did not respond", "Local media reported",
     "positive"),
    ("A reporter asked Nowak whether the city would sell the stadium.\n\n“We have no plans of that kind,” he said.",
     "no plans of that kind", "A reporter asked", "negative"),
    (f"{ALLEGATION}\n\n“No loan of this kind has ever been taken,” Nowak said.", "No loan of this kind",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“Talk of a hidden loan is pure speculation,” Nowak said.", "Talk of a hidden loan",
     "Local media reported", "negative"),
    (f"{ALLEGATION} The council meets on Friday.\n\n“The figures quoted by the newspaper do not reflect the "
     "accounts,” Nowak said.", "The figures quoted", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“We have seen these claims, and they have nothing to do with reality,” Nowak said.",
     "they have nothing", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“It's a story that belongs in a crime novel,” Nowak said.", "belongs in a crime novel",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nNowak denied the report. His deputy repeated the denial on Tuesday.", "repeated the denial",
     "Local media reported", "negative"),
    # a run of one speaker's sentences is answered at its lead, and a trailing attribution is no content
    ("Consumer group Fair Bills said Tarnow's utility had overcharged 40,000 households. The group said bills were "
     "based on estimated readings.\n\nThe utility rejected the accusations.", "rejected the accusations",
     "Consumer group Fair Bills said", "negative"),
    # stop 37, from the third blind set: "have no basis", "not true at all", an amount or a figure someone else gave,
    # "What the newspaper published", "None of that is correct", "as saying the story was a product of imagination",
    # "looking into the claims", an account's cue, and a group's run told first unnamed, then by name
    (f"{ALLEGATION}\n\n“These accusations have no basis whatsoever,” Nowak said.", "no basis whatsoever",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“That is not true at all,” Nowak said.", "not true at all", "Local media reported", "negative"),
    (f"{ALLEGATION} Nowak, 54, has led the city since 2018.\n\nHis lawyer contested the amount in court.",
     "contested the amount", "Local media reported", "negative"),
    (f"{ALLEGATION} The council meets on Friday.\n\nCity hall said the figure of 2 million was “grossly "
     "exaggerated”.", "the figure of 2 million", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“What the newspaper published is a smear campaign,” Nowak said.", "What the newspaper",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“What was written has nothing to do with reality,” Nowak said.", "What was written",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“None of that is correct,” Nowak said.", "None of that", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nState radio quoted Nowak as saying the story was “a product of imagination”.",
     "product of imagination", "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nThe regional auditor said it was looking into the claims.", "looking into the claims",
     "Local media reported", "positive"),
    ("A councillor said the dam released water without any warning overnight.\n\nThe water board said the "
     "councillor's account of the warning was wrong.", "account of the warning", "A councillor said", "negative"),
    ("A teachers' union alleged that Tarnow had diverted 8 million zlotys from a pension fund. The Tarnow Teachers' "
     "Front said documents showed that salaries were never paid in. The practice went on for two years, the union "
     "said.\n\nThe city said it was looking into the claims.", "looking into the claims", "A teachers' union alleged",
     "positive"),
    # no reference: the content is named, "it" is no reference, a question is raised
    (f"{ALLEGATION}\n\nNowak denied allegations that he had taken bribes.", "denied allegations", None, "negative"),
    (f"{ALLEGATION}\n\nNowak said it was true that the city had borrowed money in 2019.", "it was true", None,
     "positive"),
    (f"{ALLEGATION}\n\nThe opposition said the report calls into question the city's accounts.", "calls into",
     None, "positive"),
    (f"{ALLEGATION}\n\nKrakow, the finance ministry said, has no such problems with its budget.", "no such", None,
     "negative"),  # negated by its own words, not by a reference
    (f"{ALLEGATION}\n\nThe figures are preliminary, the statistics office said.", "The figures are", None,
     "positive"),  # figures nobody judges
    (f"{ALLEGATION}\n\nThe bank declined to comment on its lending plans.", "declined to comment", None,
     "positive"),  # a refusal that names what it is about
    (f"{ALLEGATION}\n\nWhat happened next is unclear.", "What happened", None, "positive"),  # no one's words
    (f"{ALLEGATION}\n\nThe phony loan story is almost identical to last year's.", "phony loan story", None,
     "positive"),  # two words before the noun, and no judgement of it
    # numbers someone else gave, named by who gave them or where they went round; "that" as the subject after "said"
    ("Kowalski said on Friday the mayor of Tarnow had borrowed 2 million zlotys.\n\nThe mayor, 58, spoke at noon."
     "\n\n“The numbers put forward by Kowalski are inaccurate,” his spokesman said.", "numbers put forward",
     "Kowalski said on Friday", "negative"),
    (f"{ALLEGATION}\n\nThe city's treasurer said that was “a fantasy cooked up to win votes”.", "fantasy",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\nThe mayor told journalists the story was made up.", "made up", "Local media reported",
     "negative"),
    # a reply to the question just before it, and a sentence that only names a source is no antecedent
    ("The mayor of Tarnow said fares would rise in May. A reporter asked him whether the city would sell its bus "
     "company. “Not while I am mayor,” he replied.", "Not while", "A reporter asked him", "negative"),
    (f"{ALLEGATION} The weekly attributed the information to two former members of his staff.\n\nThe mayor "
     "rejected the allegations.", "rejected the allegations", "Local media reported", "negative"),
    # no reference: an adjective before a noun, a question in the reply's own sentence, "replied by saying"
    (f"{ALLEGATION}\n\nThe city put the confirmed figure at 1 million zlotys.", "confirmed figure", None, "positive"),
    (f"{ALLEGATION}\n\nWhen asked whether he would resign, the mayor replied: “I will stay.”", "I will stay", None,
     "positive"),
    # a contracted copula judges ("That's simply not true", "isn't accurate", "That’s correct"), and only then
    (f"{ALLEGATION}\n\n“That's simply not true,” Nowak told reporters at city hall.", "simply not true",
     "Local media reported", "negative"),
    (f"{ALLEGATION}\n\n“These reports aren’t accurate,” a spokesman said.", "reports aren’t", "Local media reported",
     "negative"),
    (f"{ALLEGATION}\n\n“That’s correct,” a city hall spokeswoman said.", "That’s correct", "Local media reported",
     "positive"),
    (f"{ALLEGATION}\n\nUnfortunately, this isn’t the first time the mayor has been accused.", "this isn’t", None,
     "negative"),
    # a reply answers the question before it even where it names something ("no such plan"); where an estimate was
    # drawn from is no antecedent; a long phrase of place and day may stand between "said" and "that"
    ("The mayor of Tarnow unveiled a plan to rebuild the tram depot. A reporter asked whether the city would raise "
     "fares to pay for it.\n\n“There is no such plan,” he replied.", "no such plan", "A reporter asked",
     "negative"),
    ("A report by a local research group says the city recorded 9,000 burglaries in 2024, three times the police "
     "count. The institute said its estimate was drawn from insurance records at 41 offices.\n\nThe figures quoted "
     "by the institute do not reflect reality, the police said.", "figures quoted", "A report by a local", "negative"),
    (f"{ALLEGATION}\n\nA spokeswoman said at her weekly briefing on Thursday that the report “belongs in a spy "
     "thriller”.", "spy thriller", "Local media reported", "negative"),
])
def test_what_a_claim_answers_in_everyday_wire_shapes(text, claim, answers, polarity):
    """Shapes written for the tests, after the blind set's validation half showed them missed."""
    claims = load_extractor("spacy").extract(text, date(2025, 3, 5)).claims
    found = next(c for c in claims if claim in c.text)
    assert (found.responds_to_text or "").startswith(answers or "") and bool(found.responds_to_text) == bool(answers)
    assert found.polarity == polarity
    assert not any(s.name.isupper() for c in claims for s in c.speakers)  # never "TARNOW"


@pytest.mark.parametrize("answer", [
    "The bank said it could not confirm the report.",
    "No state agency confirmed the account.",
    "The regional auditor said it was looking into the claims.",
])
def test_a_view_withheld_of_what_was_said_takes_no_side(answer):
    """"could not confirm the report", "No agency confirmed the account", "was looking into the claims": the voice of a
    refusal to confirm (no side in stance), linked to what was said."""
    claims = load_extractor("spacy").extract(f"{ALLEGATION}\n\n{answer}").claims
    assert claims[-1].responds_to_text.startswith("Local media reported")
    assert claims[-1].voice == "refuses_to_confirm"


def test_a_quotation_opened_after_a_colon_keeps_its_speaker_over_its_sentences():
    text = ("Kiprono, speaking at a school in Eldoret on Monday, said: “I have seen it in the media. It is not true, "
            "and I am going nowhere.”\n\nSeparately, Athletics Kenya said the audit would end in May.")
    claims = load_extractor("spacy").extract(text).claims
    assert [c.speaker for c in claims] == ["Kiprono", "Kiprono", "Athletics Kenya"]


def test_the_content_answered_is_the_claim_not_its_trailing_attribution():
    """"P, the weekly Gazeta Nowa reported on Monday." answers as P (not "on Monday"); "That" reads "the claim"; a
    bare refusal to comment reads as a refusal to comment on the claim."""
    extractor = load_extractor("spacy")
    claims = extractor.extract(f"{TRAILING}\n\n“That is simply not true,” Nowak said.").claims
    assert claims[-1].resolved_text == ("Nowak: The claim that The mayor of Tarnow hid a 2 million zloty loan from the "
                                        "council is simply not true")
    claims = extractor.extract(f"{TRAILING}\n\nThe council declined to comment.").claims
    assert claims[-1].resolved_text == ("The council declined to comment on the claim that The mayor of Tarnow hid a "
                                        "2 million zloty loan from the council.")


@pytest.mark.parametrize("antecedent, content", [
    ("Savchuk's company has been shipping rapeseed through Moldova, lawmaker Ihor Savchuk alleged on Tuesday.",
     "Savchuk's company has been shipping rapeseed through Moldova"),  # not "on Tuesday"
    ("“The story is false from start to finish,” his office said in a text message on Thursday.",
     "The story is false from start to finish"),  # not "in a text message on Thursday"
    ("Beridze accused the government on Thursday of preparing to postpone the elections.",
     "the government preparing to postpone the elections"),  # not "the government on Thursday preparing ..."
])
def test_what_is_answered_is_read_without_its_attribution_or_its_day(antecedent, content):
    assert answered_content(antecedent) == content


def test_a_dateline_with_accented_capitals_is_no_part_of_the_claim():
    claims = load_extractor("spacy").extract("BOGOTÁ — The federation said the coach would stay until 2026.").claims
    assert claims[0].text.startswith("The federation said")


def test_a_resolved_reference_reads_as_the_noun_it_names():
    """"such reports" becomes "the reports that ..."; "no such plan" becomes "no plan whether ..."."""
    extractor = load_extractor("spacy")
    claims = extractor.extract(f"{ALLEGATION}\n\nHis party dismissed such reports as a smear.").claims
    assert claims[-1].resolved_text.startswith("His party dismissed the reports that the mayor of Tarnow had hidden")
    text = "A reporter asked Nowak whether the city planned to sell the stadium.\n\n“There is no such plan,” he said."
    assert "There is no plan whether the city planned to sell the stadium" in extractor.extract(text).claims[-1].resolved_text
