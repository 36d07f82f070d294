import base64
import binascii
import datetime as dt
import json
import sys
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandParser

from fangyi.core import clock
from fangyi.healthpass.dcc import DccResult, DccVerifier, dcc_summary, load_certificates

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """An operator error: the command prints it as bad_input and exits 2."""


class Command(BaseCommand):
    help = (
        "Verify EU Digital COVID Certificates (HC1: QR texts) against trusted signing certificates and "
        "print JSON. Single: --cert CERT.pem [--at ISO-8601 | --skip-time-check] 'HC1:...' exits 0 when "
        "valid, 1 when refused, 2 on bad input. Batch: --jsonl FILE (or - for stdin) with lines "
        '{"qr": ..., "certificate": "<base64 DER>", "at": ISO-8601 or null}; one JSON line out per line.'
    )
    requires_system_checks = []  # no models, no database: only signatures and certificates

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("qr", nargs="?", help="the QR text, starting with HC1:")
        parser.add_argument(
            "--cert",
            action="append",
            default=[],
            metavar="CERT.pem",
            help="a trusted signing certificate file (PEM, several per file allowed, or DER); repeatable",
        )
        parser.add_argument(
            "--at", metavar="ISO-8601", help="check validity at this moment (default now; no offset = UTC)"
        )
        parser.add_argument("--skip-time-check", action="store_true", help="check the signature only")
        parser.add_argument(
            "--jsonl",
            metavar="FILE",
            help='batch: a JSON-lines file or - for stdin; a missing "at" means now, null skips the check',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = sys.stdout
        try:
            if options["jsonl"] is not None:
                single = options["qr"], options["cert"], options["at"] is not None, options["skip_time_check"]
                if any(single):
                    raise BadInput("--jsonl takes the QR, certificate and time from each line")
                _run_batch(options["jsonl"], out)
                status = EXIT_OK
            else:
                status = _run_single(options, out)
        except BadInput as exc:
            _write(out, {"ok": False, "code": "bad_input", "message": str(exc)})
            status = EXIT_BAD_INPUT
        out.flush()
        if status != EXIT_OK:
            sys.exit(status)


def _run_single(options: dict[str, Any], out: IO[str]) -> int:
    if not options["qr"]:
        raise BadInput("give the QR text (HC1:...) or --jsonl FILE")
    if not options["cert"]:
        raise BadInput("give at least one --cert file")
    if options["at"] is not None and options["skip_time_check"]:
        raise BadInput("--at and --skip-time-check exclude each other")
    certificates: list[x509.Certificate] = []
    for name in options["cert"]:
        try:
            certificates += load_certificates(Path(name).read_bytes())
        except OSError as exc:
            raise BadInput(f"cannot read {name}: {exc.strerror}") from exc
        except ValueError as exc:
            raise BadInput(f"{name} holds no PEM or DER certificate") from exc
    if options["skip_time_check"]:
        at = None
    elif options["at"] is not None:
        at = _moment(options["at"])
    else:
        at = clock.now()
    result = DccVerifier(certificates).verify(options["qr"], at)
    _write(out, _report(result))
    return EXIT_OK if result.ok else EXIT_REFUSED


def _run_batch(name: str, out: IO[str]) -> None:
    if name == "-":
        _verify_lines(sys.stdin.buffer, out)
        return
    try:
        with Path(name).open("rb") as source:
            _verify_lines(source, out)
    except OSError as exc:
        raise BadInput(f"cannot read {name}: {exc.strerror}") from exc


def _verify_lines(source: IO[bytes], out: IO[str]) -> None:
    verifiers: dict[str, DccVerifier] = {}  # by the base64 text: a batch reuses a few certificates
    now = clock.now()
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            qr, certificate, at = _parse_line(raw, now)
            verifier = verifiers.get(certificate)
            if verifier is None:
                verifier = verifiers[certificate] = DccVerifier([_der_certificate(certificate)])
        except BadInput as exc:
            _write(out, {"ok": False, "code": "bad_input", "line": number, "message": str(exc)})
            continue
        _write(out, {**_report(verifier.verify(qr, at)), "line": number})


def _parse_line(raw: bytes, now: dt.datetime) -> tuple[str, str, dt.datetime | None]:
    try:
        item = json.loads(raw)
    except ValueError as exc:  # also undecodable UTF-8
        raise BadInput("the line is not JSON") from exc
    if not isinstance(item, dict):
        raise BadInput("the line is not a JSON object")
    qr, certificate = item.get("qr"), item.get("certificate")
    if not isinstance(qr, str) or not isinstance(certificate, str):
        raise BadInput('"qr" and "certificate" must be strings')
    if "at" not in item:
        return qr, certificate, now
    at = item["at"]
    if at is None:
        return qr, certificate, None
    if not isinstance(at, str):
        raise BadInput('"at" must be an ISO-8601 string or null')
    return qr, certificate, _moment(at)


def _der_certificate(text: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise BadInput('"certificate" is not a base64 DER certificate') from exc


def _moment(text: str) -> dt.datetime:
    """The moment of an ISO-8601 text; the verifier reads one without an offset as UTC."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(f"{text!r} is not an ISO-8601 date and time") from exc


def _report(result: DccResult) -> dict[str, Any]:
    report = result.as_dict()
    if result.claims is not None:
        report["summary"] = dcc_summary(result.claims)
    return report


def _write(out: IO[str], document: dict[str, Any]) -> None:
    out.write(json.dumps(document) + "\n")
