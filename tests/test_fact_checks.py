"""The parse's fact checks (service/stance/facts.py) on real spaCy parses, and on top of the shipped stance model."""
from __future__ import annotations

import pytest

from service.stance import CLAIM_MODEL_DIR
from service.stance.base import StanceInput
from service.stance.claim_model import FactStanceModel
from service.stance.facts import (CONFLICT, HEDGED, OTHER_FACT, SAME_FACT, FactReader, compare,
                                  name_countries_alike, numbers_alike, party, same_party)


@pytest.fixture(scope="module")
def reader() -> FactReader:
    return FactReader()


def verdict(reader: FactReader, statement: str, claim: str) -> str | None:
    said, fact = reader.facts([statement, claim])
    assert said is not None and fact is not None
    return compare(said, fact)


@pytest.mark.parametrize(("statement", "claim"), [
    ("The United States sent drones to Russia.", "Iran admitted that it has sent drones to Russia."),
    # a seed sentence: a raising verb over the reporting verb, and the content hung on "time" by the parser
    ("The United States sent drones to Russia.", "Iran has appeared to acknowledge for the first time that it sent "
                                                 "drones to Russia in the months before the invasion of Ukraine."),
    ("The mayor of Chicago resigned on Monday.", "The mayor of Boston resigned on Monday after weeks of protests."),
    ("Russia sent drones to Iran.", "Iran sent drones to Russia."),
    ("The student sued the university.", "The university sued the student for unpaid fees."),
    # the same act done to another made thing, whichever verb of handing over, negated on one side or not
    ("Iran sent tanks to Russia.", "Iran admitted that it has sent drones to Russia."),
    ("Iran sold missiles to Russia.", "Iran provided Russia with a small number of drones."),
    ("France supplied Ukraine with fighter jets.", "France confirmed it had supplied Ukraine with Caesar howitzers."),
    ("Iran never sent tanks to Russia.", "Iran sent hundreds of drones to Russia."),
    ("Iran sent tanks to Russia.", "Hundreds of drones were sent to Russia by Iran."),  # a passive of handing over
])
def test_another_actor_or_the_other_direction_is_another_fact(reader, statement, claim):
    assert verdict(reader, statement, claim) == OTHER_FACT


@pytest.mark.parametrize(("statement", "claim"), [
    ("Russia ordered about 2,000 drones from Iran.", "Russia ordered about 200 drones from Iran."),
    ("About 30 people died in the floods.", "Officials said at least 300 people died in the floods."),
    ("Unemployment rose in March.", "The jobless rate fell to its lowest level in a decade in March."),
    ("The court upheld the ban.", "The court struck down the ban on Thursday."),
    ("All of the hostages were released.", "Only some of the hostages were released on Sunday."),
    ("The drones were delivered after the invasion began.", "The drones were supplied months before the invasion."),
    # predicative adjectives: a listed pair, a negative prefix, a verdict on the object, a copula other than "is"
    ("The vaccine is safe for children.", "Regulators said the vaccine is unsafe for children under five."),
    ("The new law is legal.", "The new law is illegal, the court said."),
    ("The former minister is guilty of fraud.", "A court found the former minister innocent of fraud on Thursday."),
    ("The border crossing is open.", "The border crossing remained closed on Wednesday, officials said."),
    ("Fuel prices are higher than last year.", "Fuel prices are lower than last year, the energy ministry said."),
    # more opposite verbs
    ("Parliament passed the budget.", "The budget failed in parliament by 12 votes on Tuesday."),
    ("Britain joined the defence pact.", "Britain left the defence pact in 2021."),
    ("The ceasefire ended on Monday.", "The ceasefire was extended on Monday for another week."),
    # a story called a hoax or debunked on one side only, with a verb or as a headline without one
    ("Banksy was arrested in London.", "Banksy arrest hoax: US website claims street artist caught in Watford"),
    ("A spider burrowed under a tourist's skin.", "Experts debunk claims that a spider burrowed under a tourist's skin"),
    ("Banksy arrest hoax", "Graffiti artist Banksy arrested in London, identity revealed"),
    # the same act negated on one side, with nothing more on that side
    ("The bank did not raise interest rates.", "The central bank raised interest rates by half a point on Thursday."),
    ("Russia did not attack Ukrainian ports.", "Russia attacked ports in Ukraine overnight, officials said."),  # demonym
    ("The army has not withdrawn from the city.", "The army withdrew from the city on Friday."),
    ("Iran did not send drones to Russia.", "Iran sent hundreds of drones to Russia last year, U.S. officials said."),
    ("Iran sent drones to Russia before the invasion.", "Iran did not send drones to Russia."),
    # the same act on the same thing denied on one side, whatever else the other side says of it
    ("Iran never sent a single drone to Russia.", "The drone part is true and we provided Russia a small number of "
                                                  "drones."),
    ("Iran did not send drones to Russia.", "In November, the minister said Iran had supplied drones to Russia, but "
                                            "only a few of them."),
    # the statement's actor set aside by a contrast on the other side
    ("The Conservatives won the most seats in the election.", "It was Labour, not the Conservatives, that emerged as "
                                                              "the largest party in the election."),
    ("The mayor signed the emergency order.", "The emergency order was signed not by the mayor but by her deputy."),
    # a count out of a total is a part: "all" against "eight of the 11"
    ("All the hostages taken in the bus attack were released.", "Eight of the 11 passengers seized in the bus attack "
                                                                "have been freed, but three remain in captivity."),
    ("All three suspects pleaded guilty.", "Two of the three men accused pleaded guilty on Tuesday."),
    # a contest's winner losing it
    ("England won the 2023 Women's World Cup.", "Spain beat England 1-0 in Sydney to lift the 2023 Women's World Cup."),
    ("Novak Djokovic won the Wimbledon title in 2023.", "Carlos Alcaraz beat Novak Djokovic in five sets to claim the "
                                                        "2023 Wimbledon title."),
])
def test_a_conflicting_detail_of_the_same_fact(reader, statement, claim):
    assert verdict(reader, statement, claim) == CONFLICT


@pytest.mark.parametrize(("statement", "claim"), [
    ("ISIS fighters have contracted Ebola.", "ISIS fighters are said to have contracted Ebola."),
    ("The mayor resigned on Monday.", "The mayor is rumoured to have resigned on Monday."),
    ("Iran sent drones to Russia.", "Iran could have sent drones to Russia, officials said."),
    ("The mayor resigned on Monday.", "The mayor reportedly resigned on Monday."),
    ("Christian Bale will play Steve Jobs.", "Will Christian Bale play Steve Jobs?"),
    ("Christian Bale will play Steve Jobs.", "Christian Bale will play Steve Jobs, reports say."),  # unnamed sources
    ("Iran sent drones to Russia.", "Iran sent drones to Russia, according to media reports."),
])
def test_a_hedged_claim_is_not_the_fact_asserted(reader, statement, claim):
    assert verdict(reader, statement, claim) == HEDGED


@pytest.mark.parametrize(("statement", "claim"), [
    ("Manchester City lost to Brentford on Saturday.", "Brentford beat Manchester City 2-1 on Saturday."),
    ("Argentina defeated France in the 2022 World Cup final.", "France lost to Argentina on penalties in the 2022 "
                                                               "World Cup final."),
    ("France was beaten by Argentina.", "Argentina defeated France."),
])
def test_one_result_told_the_other_way_round_is_the_same_fact(reader, statement, claim):
    assert verdict(reader, statement, claim) == SAME_FACT


@pytest.mark.parametrize(("statement", "claim"), [
    ("Iran sent drones to Russia.", "Tehran has sent drones to Moscow, officials said."),  # capitals
    ("The Russian army uses drones from Iran.", "Russia's army uses Iranian drones."),  # demonyms
    ("Iran sold drones to Russia.", "Russia bought drones from Iran."),  # a converse verb
    ("At least 300 people died in the floods.", "Officials said 350 people died in the floods."),  # compatible
    ("The company laid off about 1,000 workers.", "The company laid off 1,050 workers."),
    # a negation with more than the other side says, of another verb, on both sides, or against a hedged claim
    ("Iran did not send drones after the invasion.", "Iran sent drones to Russia months before the war."),
    ("The mayor did not attend the meeting.", "The mayor was absent from the meeting."),
    ("The company has not paid any taxes.", "The company did not pay any taxes in the last five years."),
    ("Iran did not send drones to Russia.", "Iran reportedly sent drones to Russia."),
    ("The US did not send drones to Russia.", "Iran sent drones to Russia."),  # another actor's act
    ("Iran did not send 2,000 drones to Russia.", "Iran sent 200 drones to Russia."),  # a count denied
    ("Iran did not send drones to Ukraine.", "Iran supplied drones to Russia."),  # another recipient
    # an opposite verb of another time, place or counterpart
    ("Germany's unemployment fell in March.", "Germany's unemployment rose in February, the labour office said."),
    ("The euro rose against the dollar on Friday.", "The euro fell against the Swiss franc on Friday."),
    ("Toyota's sales in China increased last year.", "Toyota's sales in Europe declined last year."),
    ("The minister is not a doctor.", "The minister trained as a lawyer."),  # a negated predicate sets nothing aside
    # a contest's result: another score, another contest
    ("Spain beat England 2-0 in the Euro 2024 final.", "Spain beat England 2-1 in the Euro 2024 final in Berlin."),
    ("Novak Djokovic won the Wimbledon title in 2023.", "Carlos Alcaraz beat Novak Djokovic in Cincinnati."),
    ("The drones were delivered in 2022.", "The drones were delivered in 2023."),  # years are the model's
    ("Iran sent drones to Russia.", "Iran sent drones to Russia before the invasion."),  # a detail on one side
    ("Iran may have sent drones to Russia.", "Iran could have sent drones to Russia."),  # hedged on both sides
    ("Iran sent drones to Russia.", "Iran sent drones to Russia, according to the Pentagon."),  # a named source
    ("Iran sent drones to Russia.", "Iran sent drones to Russia, according to the report."),  # one pointed to
    ("The vaccine is safe for children.", "The treatment is dangerous for children."),  # another thing's attribute
    ("The ceasefire ended on Monday.", "Fighting resumed on Monday as the ceasefire expired."),  # not one verb's opposite
    ("Police arrested the protest leader.", "Police detained the protest leader on Saturday."),  # one side of a row
    ("The viral video is a hoax.", "Experts say the viral video is fake."),  # debunked on both sides
    # a denial's own words: the denial is its voice, not a debunking of the statement's story
    ("Iran denies selling missiles to Moscow.", "The Iranian foreign minister again denied his country had supplied "
                                                "missiles to Russia, calling the accusations \"completely false\"."),
    ("Iran sold missiles to Russia.", "his country had supplied missiles to Russia, calling the accusations false"),
    ("Iran sent drones to Russia.", "Iran has appeared to acknowledge for the first time that it sent drones to "
                                    "Russia in the months before the invasion of Ukraine."),
    # things not told apart: a covering word, a kind of the other, a word WordNet lacks, both named on one side,
    # "only" on one side, a passive's subject, both sides negated
    ("Iran sent weapons to Russia.", "Iran sent drones to Russia."),
    ("Iran sent aircraft to Russia.", "Iran sent drones to Russia."),
    ("Iran sent drones to Russia.", "Iran sent UAVs to Russia."),
    ("Iran sent drones and missiles to Russia.", "Iran sent missiles to Russia."),
    ("Iran sent only tanks to Russia.", "Iran sent drones to Russia."),
    ("The film was released in May.", "The album was released in May."),
    ("Iran did not send tanks to Russia.", "Iran did not send drones to Russia."),
])
def test_what_the_parse_does_not_settle_is_left_to_the_model(reader, statement, claim):
    assert verdict(reader, statement, claim) is None


@pytest.mark.parametrize(("statement", "claim", "expected"), [
    # a count that entails the statement's bound or approximation is written as the statement writes it
    ("At least 100 people died in the floods.", "The floods killed 124 people across three provinces.",
     "The floods killed at least 100 people across three provinces."),
    ("About 2,000 workers went on strike at the plant.", "A total of 1,950 workers walked off the job at the plant.",
     "A total of about 2,000 workers walked off the job at the plant."),
    ("The channel has more than 25 million subscribers.", "The channel had 26 million subscribers in May and 31 "
                                                          "million subscribers in June.", None),  # two counts
    ("The channel has more than 25 million subscribers.", "The channel has more than 26 million subscribers.",
     "The channel has more than 25 million subscribers."),
    # left as written: a bound that only overlaps, a strict bound's own number, two exact numbers, another thing
    ("The video has more than 1.06 billion views.", "The video has more than 1.0 billion views.", None),
    ("The film has a rating of more than 74%.", "The film has a rating of 74%, based on 19 reviews.", None),
    ("The floods killed 124 people.", "The floods killed 120 people.", None),
    ("At least 100 people died in the floods.", "The floods destroyed 124 homes.", None),
    # "ripped up a $924 million contract": "up" is the verb's particle, not "up to"
    ("Robert Plant ripped up a $924 million reunion contract.", "Robert Plant ripped up an $800 million contract.",
     None),
])
def test_a_count_that_entails_the_statements_is_written_alike(reader, statement, claim, expected):
    said, fact = reader.facts([statement, claim])
    assert numbers_alike(said, fact, claim) == (expected or claim)


@pytest.mark.parametrize(("a", "b", "same"), [
    ("united states", "us", True), ("united kingdom", "us", False),
    ("iran", "iranian", True), ("ukraine", "ukrainian", True), ("china", "chinese", True),
    ("iran", "iraq", False), ("world health organization", "who", True), ("joe biden", "biden", True),
    ("brazil", "argentina", False),
])
def test_same_party(a, b, same):
    assert same_party(a, b) is same


@pytest.mark.parametrize(("statement", "claim", "expected"), [
    ("Iran supplied drones to Russia.", "Tehran has supplied drones to Moscow since August.",
     ("Iran supplied drones to Russia.", "Iran has supplied drones to Russia since August.")),
    ("Tehran shipped missiles to Moscow.", "The Iranian minister denied his country had sent missiles to Russia.",
     ("Iran shipped missiles to Russia.", "The Iranian minister denied his country had sent missiles to Russia.")),
    ("The US sanctioned Iran.", "Washington imposed sanctions on Tehran, the Kremlin said.",
     ("The US sanctioned Iran.", "The United States imposed sanctions on Iran, the Kremlin said.")),
    ("The Kremlin denied using Iranian drones.", "Russia denied that it used drones made in Iran.",
     ("Russia denied using Iranian drones.", "Russia denied that it used drones made in Iran.")),
    ("A bomb exploded in Paris.", "Police in Paris said a bomb exploded near the station.",  # nothing to align
     ("A bomb exploded in Paris.", "Police in Paris said a bomb exploded near the station.")),
])
def test_a_capital_is_named_as_its_country_where_the_other_side_names_the_country(statement, claim, expected):
    assert name_countries_alike(statement, claim) == expected


def test_capitals_and_demonyms_name_their_country():
    assert {party(n) for n in ("Tehran", "the Kremlin", "Washington", "British")} == {
        "iran", "russia", "united states", "united kingdom"}


@pytest.fixture(scope="module")
def models() -> tuple[FactStanceModel, FactStanceModel]:
    return FactStanceModel.load(CLAIM_MODEL_DIR), FactStanceModel.load(CLAIM_MODEL_DIR, fact_checks=False)


def test_the_checks_change_the_shipped_models_answers_and_the_setting_turns_them_off(models):
    checked, alone = models
    assert alone.facts is None
    pairs = [("Brazil banned the export of beef to China.",
              "Argentina banned the export of beef to China for a month.", "neutral"),
             ("The company laid off 1,200 workers.", "The company said it would lay off 120 workers.", "refutes"),
             ("Crime fell in the city last year.", "Crime rose in the city last year, police figures show.",
              "refutes"),
             ("ISIS fighters have contracted Ebola.", "ISIS fighters are said to have contracted Ebola.", "neutral"),
             # capitals named as the statement names the countries, and the trailing "officials said" set apart
             ("Iran supplied drones to Russia.",
              "Tehran has supplied hundreds of Shahed drones to Moscow since August, U.S. officials said.", "supports"),
             # drones sent are no support for a statement about tanks
             ("Iran sent tanks to Russia.", "Iran has sent drones to Russia.", "neutral"),
             # 124 dead are at least 100
             ("At least 100 people died in the floods.", "The floods killed 124 people across three provinces.",
              "supports"),
             # one result told the other way round, and a winner who lost
             ("Manchester City lost to Brentford on Saturday.", "Brentford beat Manchester City 2-1 at the Gtech "
              "Community Stadium on Saturday, with both goals coming in the second half.", "supports"),
             ("Novak Djokovic won the men's singles title at Wimbledon in 2023.", "Carlos Alcaraz beat Novak Djokovic "
              "in five sets to claim the 2023 Wimbledon men's singles title.", "refutes")]
    for statement, claim, label in pairs:
        stance = checked.classify(statement, [StanceInput(claim, 0.6, voice="asserts", verb="said")])[0]
        assert stance.label == label and stance.confidence > 0.5, (statement, stance)
    # the model alone reads the antonym, and the drones for the tanks, as the same fact; Tehran and Moscow as other
    # actors than Iran and Russia (stage three also read 124 dead against "at least 100" as another number)
    for statement, claim, _ in (pairs[2], pairs[5]):
        assert alone.classify(statement, [StanceInput(claim, 0.6)])[0].label == "supports"
    assert alone.classify(pairs[4][0], [StanceInput(pairs[4][1], 0.6)])[0].label == "neutral"
    # the model alone reads the result told the other way round as a refutation, the winner who lost as support
    assert [alone.classify(s, [StanceInput(c, 0.6)])[0].label for s, c, _ in pairs[7:9]] == ["refutes", "supports"]


def test_a_denial_of_another_number_is_not_turned_into_support(models):
    checked, _ = models
    stance = checked.classify("Russia ordered about 2,000 drones from Iran.",
                              [StanceInput("Iran denied that Russia had ordered about 200 drones.", 0.6,
                                           voice="denies", verb="denied")])[0]
    assert stance.label != "supports"


def test_the_seeds_admission_and_denial_keep_their_labels(models):
    checked, _ = models
    statement = "Iran sent drones to Russia before the invasion"
    admission = checked.classify(statement, [StanceInput(
        "We supplied Russia with a limited number of drones months before the war in Ukraine", 0.6,
        voice="asserts", verb="said")])[0]
    denial = checked.classify(statement, [StanceInput(
        "Iranian Foreign Minister Hossein Amirabdollahian on Friday denied that Iran has supplied drones to Russia "
        "for use in its invasion of Ukraine", 0.6, voice="denies", verb="denied")])[0]
    assert (admission.label, denial.label) == ("supports", "refutes")


def test_the_reader_remembers_a_bounded_number_of_parses():
    reader = FactReader(size=3)
    texts = [f"Country {i} sent {i + 2} drones to Russia." for i in range(5)]
    first = reader.facts(texts)
    assert len(reader._facts) == 3
    assert reader.facts(texts[-1:]) == first[-1:]
    for text in texts * 30:  # statements: the last few are kept apart from the claims
        assert reader.fact(text) == first[texts.index(text)]
    assert len(reader._statements) == len(texts) <= reader.statements_kept and len(reader._facts) == 3


def test_the_claim_level_endpoint_answers_with_the_checks(client):
    """POST /v1/stance, the path of /v1/check's claims: another actor, another number, hedges and an antonym."""
    claims = ["The United States ordered about 2,000 drones from Iran, officials said.",
              "Russia ordered about 200 drones from Iran, according to the report.",
              "Ukrainian officials said Russia had ordered about 2,000 drones from Iran.",
              "Russia is said to have ordered about 2,000 drones from Iran.",
              "Russia may have ordered about 2,000 drones from Iran, sources said."]
    response = client.post("/v1/stance", json={"statement": "Russia ordered about 2,000 drones from Iran.",
                                                "claims": claims})
    assert response.status_code == 200
    labels = [s["label"] for s in response.get_json()["stances"]]
    assert labels == ["neutral", "refutes", "supports", "neutral", "neutral"], labels
    response = client.post("/v1/stance", json={"statement": "The court upheld the ban.",
                                                "claims": ["The court struck down the ban on Thursday."]})
    assert [s["label"] for s in response.get_json()["stances"]] == ["refutes"]


@pytest.mark.parametrize("statement", [
    "Iran " * 399 + "sent drones.",  # one subject of 400 names
    " ".join(f"Country{i}" for i in range(300)) + " sent drones to Russia.",
    "The " + "very " * 900 + "big army sent drones.",  # a deep parse
    "fake " * 2000,  # a debunking word at every depth of a deep parse
], ids=["repeated name", "many names", "deep parse", "debunking words"])
def test_long_statements_are_read_quickly(reader, statement):
    """A statement at the length limit, and a stored claim as long: parsed and compared well under a second."""
    import time

    from service.config import Config

    text = statement[:Config().max_statement_chars]
    reader.fact("Warm up.")
    start = time.perf_counter()
    said, claim = reader.fact(text), reader.facts([text])[0]
    if said is not None and claim is not None:
        compare(said, claim)
    assert time.perf_counter() - start < 3.0
