"""The province-wide fever-clinic triage protocol. Pure: the decision is a function of what the
clinic read at the door, so it can be tested branch by branch and explained to the visitor."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.labs.choices import CodeColour, Symptom, TriageDecision

FEVER_AT = Decimal("37.3")
SEVERE_SYMPTOMS = frozenset({Symptom.SHORTNESS_OF_BREATH, Symptom.CHEST_PAIN, Symptom.CONFUSION})

TRIAGE_REASONS: dict[str, Promise] = {
    "severe_symptoms": _("Severe symptoms: the visitor goes to a designated hospital."),
    "code_red": _("Red health code: sampled and isolated whatever the symptoms."),
    "fever_with_exposure": _("Fever with an epidemiological history: sampled and isolated."),
    "fever_with_yellow_code": _("Fever with a yellow health code: sampled and isolated."),
    "fever_only": _("Fever without any risk factor: sampled and sent home under observation."),
    "no_risk_factor": _("No fever and no risk factor: sampled and sent home under observation."),
}


@dataclass(frozen=True)
class Triage:
    decision: str
    reasons: tuple[str, ...]


def triage_decide(
    *, temperature: Decimal | None, symptoms: Iterable[str], exposures: Iterable[str], code_colour: str
) -> Triage:
    """Severe symptoms first (they need a hospital whatever else is true), then the red code, then
    fever with a risk factor; everyone else is sampled and observed at home."""
    if SEVERE_SYMPTOMS.intersection(symptoms):
        return Triage(TriageDecision.REFER, ("severe_symptoms",))
    if code_colour == CodeColour.RED:
        return Triage(TriageDecision.SAMPLE_ISOLATE, ("code_red",))
    if temperature is None or temperature < FEVER_AT:
        return Triage(TriageDecision.SAMPLE_HOME, ("no_risk_factor",))
    reasons = []
    if any(True for _exposure in exposures):
        reasons.append("fever_with_exposure")
    if code_colour == CodeColour.YELLOW:
        reasons.append("fever_with_yellow_code")
    if reasons:
        return Triage(TriageDecision.SAMPLE_ISOLATE, tuple(reasons))
    return Triage(TriageDecision.SAMPLE_HOME, ("fever_only",))
