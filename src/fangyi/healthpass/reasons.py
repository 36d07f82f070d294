"""What each colour reason code says, in the reader's language."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangyi.quarantine.choices import ObservationKind
from fangyi.surveillance.choices import Classification


def _local(moment: Any) -> str:
    try:
        return f"{timezone.localtime(dt.datetime.fromisoformat(str(moment))):%Y-%m-%d %H:%M}"
    except ValueError:
        return str(moment)


def reason_text(code: str, params: dict[str, Any]) -> str:
    if code == "case":
        label = dict(Classification.choices).get(params.get("classification", ""), "")
        return _("%(classification)s case reported on %(date)s") % {
            "classification": label,
            "date": params.get("date"),
        }
    if code == "referral":
        return _("Referred to a fever clinic on %(date)s and not yet cleared") % {"date": params.get("date")}
    if code == "arrival":
        return _("Arrived from %(origin)s on %(date)s; not yet verified") % {
            "origin": params.get("origin"),
            "date": params.get("date"),
        }
    if code == "observation":
        return _("%(kind)s since %(date)s, until at least %(due)s") % {
            "kind": dict(ObservationKind.choices).get(params.get("kind", ""), ""),
            "date": params.get("date"),
            "due": params.get("due"),
        }
    if code == "release_pending":
        text = _("Held until released: %(done)s of %(days)s daily check-ins since %(since)s") % params
        if params.get("test_needed"):
            text += _("; a negative test is still needed")
        return text
    if code == "override":
        return _("Set by officials: %(reason)s (until %(until)s)") % {
            "reason": params.get("reason"),
            "until": _local(params.get("until", "")),
        }
    if code == "clear":
        return _("No open health risk")
    return code


def verify_text(code: str) -> str:
    """What a gate sees for a pass check result or a scan's reason."""
    messages = {
        "ok": _("Green code: pass"),
        "colour_yellow": _("Yellow code: stop. The resident is under observation or awaiting verification."),
        "colour_red": _("Red code: stop, and call the county's epidemic team."),
        "fever": _("Fever: stop, and refer the resident to a fever clinic."),
        "expired": _("The pass has expired: ask for a fresh code."),
        "not_yet_valid": _("The pass is not valid yet: check the device clock."),
        "revoked": _("This pass was withdrawn because the colour changed: ask for a fresh code."),
        "unknown_key": _("The pass was not signed by a known key."),
        "bad_signature": _("The signature does not match: the pass may be forged."),
    }
    return str(messages.get(code, _("This is not a readable health pass.")))


def state_reason(state: Any) -> str:
    """Why a resident has their colour (a resident the rules have not yet looked at is clear)."""
    return (
        reason_text(state.reason_code, state.reason_params) if state is not None else reason_text("clear", {})
    )
