"""The pages used at the defence lines: the code scanner at checkpoints and gates, and the
international-arrivals check of EU Digital COVID Certificates.

The scanner records scans through the JSON API (`POST /api/v1/healthpass/scans`) and, when the
network is gone, verifies passes in the browser with the cached key set and revocation list and
queues the scans until it is back. The certificate check is a plain form: nothing is stored.
"""

import datetime as dt
import functools
import logging
import os
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from fangyi.core import clock
from fangyi.core.access import require
from fangyi.core.errors import DomainError
from fangyi.core.htmx import domain_error_pages, page_actor
from fangyi.core.validators import BODY_TEMPERATURE_RANGE
from fangyi.healthpass.choices import Colour
from fangyi.healthpass.dcc import (
    ENTRY_FIELDS,
    MESSAGES,
    DccResult,
    DccVerifier,
    dcc_summary,
    load_certificates,
)
from fangyi.healthpass.reasons import verify_text
from fangyi.healthpass.selectors import SCAN, gate_list, rule_set_on
from fangyi.healthpass.services import temperature_parse
from fangyi.regions.models import Place

logger = logging.getLogger(__name__)

# Reasons a gate may see for a scan; anything else reads as "not a readable pass".
SCAN_REASONS = (
    "ok",
    "colour_yellow",
    "colour_red",
    "fever",
    "expired",
    "not_yet_valid",
    "revoked",
    "unknown_key",
    "bad_signature",
)


# The scanner ------------------------------------------------------------------------------------


def _chosen_gate(raw: str | None, gates: list[Place]) -> Place | None:
    """The gate named by `?place=`, when it is one of the actor's; otherwise none is preselected."""
    return next((gate for gate in gates if str(gate.pk) == (raw or "").strip()), None)


def _temperature_refusal(raw: str | None) -> str:
    """The server's answer to this temperature reading, which the scanner repeats when offline."""
    try:
        temperature_parse(raw)
    except DomainError as exc:
        return exc.render_message()
    return ""


def _scanner_texts() -> dict[str, Any]:
    """Every string the scanner's JavaScript shows, in the page's language."""
    return {
        "pass": _("Pass"),
        "stop": _("Stop"),
        "undecided": _("Verify on sync"),
        "offline": _("Decided offline"),
        "recordedBefore": _("This scan had already been recorded."),
        "offlineUnavailable": _(
            "Offline verification is unavailable here (it needs https and a recent browser): "
            "the scan is queued and will be verified when it is sent."
        ),
        "noKeys": _(
            "This device holds no signing keys yet: the scan is queued and will be verified when it is sent."
        ),
        "offlineData": _("Keys and revocations for offline checks updated at %(time)s."),
        "offlineDataMissing": _("Keys and revocations for offline checks have not been downloaded yet."),
        "validUntil": _("Valid until %(time)s"),
        "temperature": _("Temperature %(value)s °C"),
        "placeRequired": _("Choose the place where you check codes."),
        "codeRequired": _("Scan the code or type its text."),
        "temperatureRequired": _temperature_refusal(None),
        "temperatureInvalid": _temperature_refusal("?"),
        "temperatureImpossible": _temperature_refusal("0"),
        "signInAgain": _("Your session has ended: sign in again to send the waiting scans."),
        "storageFull": _("This device cannot store the scan: send the waiting scans, then scan again."),
        "refused": _("The scan was refused."),
        "colours": {value: str(label) for value, label in Colour.choices},
        "reasons": {code: verify_text(code) for code in SCAN_REASONS},
        "unreadable": verify_text("unreadable"),
    }


def _scanner_config(request: HttpRequest) -> dict[str, Any]:
    """The API addresses and rules the scanner's JavaScript works with."""
    low, high = BODY_TEMPERATURE_RANGE
    return {
        "scansUrl": reverse("api:scan"),
        "keysUrl": reverse("api:keys"),
        "revocationsUrl": reverse("api:revocations"),
        "csrfToken": get_token(request),
        # Offline decisions use the rule of the day the page was loaded; the server re-decides on sync.
        "feverThreshold": str(rule_set_on(clock.today()).fever_threshold),
        "temperatureRange": [str(low), str(high)],
        "skewSeconds": settings.FANGYI_PASS_SKEW_SECONDS,
        "passTtlSeconds": settings.FANGYI_PASS_TTL_HOURS * 3600,
        "timeZone": settings.TIME_ZONE,
        # Per user, so a device handed over at the end of a shift never sends one's scans as another's.
        "storagePrefix": f"fangyi.scanner.{request.user.pk}",
    }


@login_required
@require_safe
@domain_error_pages
def scanner(request: HttpRequest) -> HttpResponse:
    """The gate scanner, mobile first: place, temperature, code; the decision large and in colour."""
    actor = page_actor(request)
    require(actor, SCAN)
    gates = list(gate_list(actor=actor))
    context: dict[str, Any] = {"title": _("Scan codes"), "gates": gates}
    if gates:
        context |= {
            "selected": _chosen_gate(request.GET.get("place"), gates),
            "scanner_config": _scanner_config(request),
            "scanner_texts": _scanner_texts(),
        }
    return render(request, "healthpass/scanner.html", context)


# International arrivals: EU Digital COVID Certificates ------------------------------------------

# A DCC QR code holds at most about 4,300 characters; more is not a certificate.
MAX_DCC_TEXT = 8000

# The command's messages, in the page's language.
DCC_EXPLANATIONS = {code: gettext_lazy(message) for code, message in MESSAGES.items()}

DCC_KINDS = {
    "vaccination": gettext_lazy("Vaccination"),
    "test": gettext_lazy("Test"),
    "recovery": gettext_lazy("Recovery"),
}

# The fields of the certificate's entry, whichever its kind.
DCC_FIELD_LABELS = {
    "mp": gettext_lazy("Vaccine product"),
    "dn": gettext_lazy("Dose number"),
    "sd": gettext_lazy("Doses in the series"),
    "dt": gettext_lazy("Vaccinated on"),
    "is": gettext_lazy("Certificate issuer"),
    "tt": gettext_lazy("Test type"),
    "tr": gettext_lazy("Test result"),
    "sc": gettext_lazy("Sample taken"),
    "tc": gettext_lazy("Testing centre"),
    "fr": gettext_lazy("First positive test"),
    "df": gettext_lazy("Valid from"),
    "du": gettext_lazy("Valid until"),
    "co": gettext_lazy("Country"),
}

# Codes of the EU value sets a gate needs to read (test type and result); others are shown as given.
DCC_VALUES = {
    "tt": {
        "LP6464-4": gettext_lazy("Nucleic acid amplification (PCR)"),
        "LP217198-3": gettext_lazy("Rapid antigen test"),
    },
    "tr": {
        "260415000": gettext_lazy("Not detected"),
        "260373001": gettext_lazy("Detected"),
    },
}


class DccForm(forms.Form):
    qr = forms.CharField(
        label=gettext_lazy("Certificate text"),
        max_length=MAX_DCC_TEXT,
        help_text=gettext_lazy(
            "Paste the text of the QR code (it starts with HC1:) or scan it with the camera."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )


def dcc_verifier_configured() -> DccVerifier | None:
    """A verifier over the trusted certificates of FANGYI_DCC_TRUST_LIST, loaded again only when
    the file changes; None when no file is set, it cannot be read or holds no certificate."""
    path = settings.FANGYI_DCC_TRUST_LIST
    if not path:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return _trust_list_verifier(path, None)
    return _trust_list_verifier(path, (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))


@functools.lru_cache(maxsize=1)
def _trust_list_verifier(path: str, stamp: tuple[int, ...] | None) -> DccVerifier | None:
    """The verifier of the trust list file as it was at `stamp`; a failure is logged once per change."""
    try:
        certificates = load_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        logger.warning("FANGYI_DCC_TRUST_LIST %s cannot be read or holds no certificate", path)
        return None
    return DccVerifier(certificates) if certificates else None


def _local_time(iso: str) -> str:
    """An ISO moment (UTC when it has no offset) as local time; anything else as it is given."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    except OverflowError:  # a signed but absurd date, at the edge of the calendar
        return iso


def dcc_rows(claims: dict) -> list[tuple[Any, str]]:
    """The certificate's content as (label, value) rows, in the page's language; empty values left out."""
    summary = dcc_summary(claims)
    name = summary["name"]
    if summary["name_transliterated"]:
        name = f"{name} ({summary['name_transliterated']})" if name else summary["name_transliterated"]
    kind = summary["kind"]
    rows: list[tuple[Any, str]] = [
        (gettext_lazy("Name"), name),
        (gettext_lazy("Date of birth"), summary["dob"]),
        (gettext_lazy("Certificate kind"), str(DCC_KINDS.get(kind, kind))),
    ]
    for field in ENTRY_FIELDS.get(kind, ()):
        value = summary[field]
        rows.append((DCC_FIELD_LABELS[field], str(DCC_VALUES.get(field, {}).get(value, value))))
    rows += [
        (gettext_lazy("Issuing country"), summary["issuer"]),
        (gettext_lazy("Issued at"), _local_time(summary["issued_at"])),
        (gettext_lazy("Expires at"), _local_time(summary["expires_at"])),
    ]
    return [(label, value) for label, value in rows if value]


def _dcc_outcome(result: DccResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "code": result.code,
        "explanation": DCC_EXPLANATIONS[result.code],
        "rows": dcc_rows(result.claims) if result.claims is not None else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def dcc_check(request: HttpRequest) -> HttpResponse:
    """Check an EU Digital COVID Certificate of an international arrival; nothing is stored."""
    require(page_actor(request), SCAN)
    verifier = dcc_verifier_configured()
    form = DccForm(request.POST if request.method == "POST" else None)
    outcome = None
    status = 200
    if form.is_bound and verifier is not None:
        if form.is_valid():
            outcome = _dcc_outcome(verifier.verify(form.cleaned_data["qr"], clock.now()))
        else:
            status = 400
    context = {
        "title": _("International arrivals"),
        "form": form,
        "trusted": verifier is not None,
        "outcome": outcome,
    }
    return render(request, "healthpass/dcc.html", context, status=status)
