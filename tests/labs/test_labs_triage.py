"""The fever-clinic triage protocol, branch by branch (pure: no database)."""

from decimal import Decimal

import pytest

from fangyi.labs.choices import CodeColour, Exposure, Symptom, TriageDecision
from fangyi.labs.triage import FEVER_AT, TRIAGE_REASONS, triage_decide


def decide(temperature="36.5", symptoms=(), exposures=(), colour=CodeColour.GREEN):
    return triage_decide(
        temperature=Decimal(temperature), symptoms=symptoms, exposures=exposures, code_colour=colour
    )


@pytest.mark.parametrize("symptom", [Symptom.SHORTNESS_OF_BREATH, Symptom.CHEST_PAIN, Symptom.CONFUSION])
def test_a_severe_symptom_refers_whatever_else_is_true(symptom):
    triage = decide("36.5", [Symptom.COUGH, symptom], [Exposure.CONTACT_CASE], CodeColour.RED)
    assert triage.decision == TriageDecision.REFER
    assert triage.reasons == ("severe_symptoms",)


def test_a_red_code_isolates_without_fever():
    triage = decide("36.5", colour=CodeColour.RED)
    assert (triage.decision, triage.reasons) == (TriageDecision.SAMPLE_ISOLATE, ("code_red",))


def test_fever_with_an_exposure_isolates():
    triage = decide(str(FEVER_AT), exposures=[Exposure.TRAVEL_RISK_AREA])
    assert (triage.decision, triage.reasons) == (TriageDecision.SAMPLE_ISOLATE, ("fever_with_exposure",))


def test_fever_with_a_yellow_code_isolates_and_both_reasons_are_given():
    assert decide("38.0", colour=CodeColour.YELLOW).reasons == ("fever_with_yellow_code",)
    both = decide("38.0", exposures=[Exposure.CLUSTER], colour=CodeColour.YELLOW)
    assert both.decision == TriageDecision.SAMPLE_ISOLATE
    assert both.reasons == ("fever_with_exposure", "fever_with_yellow_code")


def test_fever_alone_is_sampled_and_sent_home():
    triage = decide("38.5", symptoms=[Symptom.COUGH], colour=CodeColour.UNKNOWN)
    assert (triage.decision, triage.reasons) == (TriageDecision.SAMPLE_HOME, ("fever_only",))


def test_just_below_the_fever_line_an_exposure_or_yellow_code_does_not_isolate():
    triage = decide("37.2", exposures=[Exposure.CONTACT_CASE], colour=CodeColour.YELLOW)
    assert (triage.decision, triage.reasons) == (TriageDecision.SAMPLE_HOME, ("no_risk_factor",))


def test_every_reason_has_a_sentence():
    reasons = {
        reason
        for args in [("36.5", [Symptom.CONFUSION]), ("36.5", (), (), CodeColour.RED), ("38",), ("36",)]
        for reason in decide(*args).reasons
    } | {"fever_with_exposure", "fever_with_yellow_code"}
    assert reasons <= set(TRIAGE_REASONS)
    assert all(str(TRIAGE_REASONS[reason]) for reason in reasons)
