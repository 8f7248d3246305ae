"""Reporting verbs in one place: the voice each gives a claim, and which of them report their complement as the
content itself, for extraction (who said it, in which voice) and for stance (what was said)."""
from __future__ import annotations

# lemma: (voice, whether the complement is the content, forms). "said (that) P", "admitted P", "claimed P" report P;
# a denial ("denied supplying ...") or a frame ("accused Iran of ...", "called it a lie") does not.
REPORTING_VERBS: dict[str, tuple[str, bool, str]] = {
    "deny": ("denies", False, "deny denies denied denying"),
    "reject": ("denies", False, "reject rejects rejected rejecting"),
    "refute": ("denies", False, "refute refutes refuted"),
    "dismiss": ("denies", False, "dismiss dismisses dismissed"),
    "admit": ("admits", True, "admit admits admitted admitting"),
    "acknowledge": ("admits", True, "acknowledge acknowledges acknowledged"),
    "concede": ("admits", True, "concede concedes conceded"),
    "confirm": ("admits", True, "confirm confirms confirmed"),
    "allege": ("alleges", True, "allege alleges alleged alleging"),
    "accuse": ("alleges", False, "accuse accuses accused accusing"),
    "claim": ("alleges", True, "claim claims claimed claiming"),
    "report": ("reports", True, "report reports reported reporting"),
    "suggest": ("reports", True, "suggest suggests suggested"),
    "say": ("asserts", True, "say says said saying"),
    "add": ("asserts", True, "add adds added"),
    "state": ("asserts", True, "state states stated stating"),
    "tell": ("asserts", True, "tell tells told"),
    "stress": ("asserts", True, "stress stresses stressed stressing"),
    "emphasize": ("asserts", True, "emphasize emphasizes emphasized emphasizing emphasise emphasised"),
    "insist": ("asserts", True, "insist insists insisted"),
    "note": ("asserts", True, "note notes noted"),
    "announce": ("asserts", True, "announce announces announced"),
    "declare": ("asserts", True, "declare declares declared"),
    "affirm": ("asserts", True, "affirm affirms affirmed"),
    "assert": ("asserts", True, "assert asserts asserted"),
    "reiterate": ("asserts", True, "reiterate reiterates reiterated reiterating"),
    "reaffirm": ("asserts", True, "reaffirm reaffirms reaffirmed"),
    "maintain": ("asserts", True, "maintain maintains maintained"),
    "warn": ("asserts", True, "warn warns warned"),
    "argue": ("asserts", True, "argue argues argued"),
    "complain": ("asserts", True, "complain complains complained"),
    "predict": ("asserts", True, "predict predicts predicted"),
    "vow": ("asserts", True, "vow vows vowed"),
    "pledge": ("asserts", True, "pledge pledges pledged"),
    "explain": ("asserts", True, "explain explains explained"),
    "write": ("asserts", True, "write writes wrote"),
    "respond": ("asserts", False, "respond responds responded"),
    "call": ("asserts", False, "call calls called"),
    "describe": ("asserts", False, "describe describes described"),
    "find": ("asserts", False, "found"),
    "according": ("asserts", False, "according"),  # "according to X": a source, never a verb of the content
}
# Verbs of belief and evidence whose clausal complement is what is believed or shown ("Officials believe P").
COGNITION_VERBS = frozenset("show shows showed believe believes believed think thinks thought".split())

# Extraction finds reporting verbs by their form too, so forms that are more often something else are left to the
# stance side, which reads them in a parse: nouns ("the state said", "states") and verbs more often passive than
# reporting ("was declared the winner").
NOT_FOR_EXTRACTION = frozenset("state states declare declares declared affirm affirms affirmed assert asserts "
                               "asserted".split())
VOICE_OF_VERB: dict[str, str] = {form: voice for voice, _, forms in REPORTING_VERBS.values() for form in forms.split()
                                 if form not in NOT_FOR_EXTRACTION}
# Forms whose complement is the content, gerunds left out ("acknowledged sending ..." keeps its speaker as subject).
CONTENT_VERBS = frozenset(form for _, content, forms in REPORTING_VERBS.values() if content
                          for form in forms.split() if not form.endswith("ing"))
# Every form of a verb of denial ("denied", "rejects", "dismissing").
DENIAL_VERBS = frozenset(form for voice, _, forms in REPORTING_VERBS.values() if voice == "denies"
                         for form in forms.split())
# The present tense as statements use it ("Iran insists it is not taking sides", "Iran denies selling ..."), with
# the verbs of belief.
PRESENT_VERBS = frozenset(
    form for lemma, (voice, content, forms) in REPORTING_VERBS.items() if content or voice == "denies"
    for form in forms.split()[1:2] if form.endswith("s")
) | {"believes", "thinks"}
