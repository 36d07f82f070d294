"""Health passes: how close the offline verifier comes to a bare ES256 signature check.

    .venv/bin/python bench/healthpass.py [--quick]

Signs N passes (20,000; 2,000 with --quick) with one P-256 key, then measures on one core

- ours: Verifier.verify(text, now) — prefix, Base45, zlib, COSE/CBOR, ES256, claims, time, revocation;
- raw: public_key.verify(der_signature, sig_structure, ECDSA(SHA-256)) on the same signed bytes,
  precomputed, so it is the signature check alone;

alternating rounds and keeping each one's best, and prints both rates. The last line is
verify_ratio=<ours/raw>: the share of the bare signature rate the full verifier keeps.

Before that, the online path: a real server (waitress, SQLite in a temporary directory, Hunan's
regions loaded) answers POST /api/v1/healthpass/scans (verify, decide, record, tally) and the
trivial GET /api/v1/health, one keep-alive client each, 2,000 requests (200 with --quick), in
alternating rounds; it prints both rates and scan_ratio=<scans/health>.
"""

import argparse
import atexit
import http.client
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Sequence

import base45
import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from fangyi.healthpass.offline import (
    PREFIX,
    PassClaims,
    Revocations,
    Verifier,
    ecdsa_der_signature,
    kid_for,
    pass_encode,
    sig_structure,
)

ROUNDS = 3
ISSUED = 1_600_000_000
NOW = ISSUED + 3600


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 passes instead of 20,000")
    args = parser.parse_args()
    bench_scan(200 if args.quick else 2_000)
    verify_ratio = bench_verify(2_000 if args.quick else 20_000)
    print(f"verify_ratio={verify_ratio:.3f}")


def bench_verify(passes: int) -> float:
    """Passes verified per second by Verifier.verify and by the bare signature check; ours / raw."""
    key = ec.generate_private_key(ec.SECP256R1())
    public_key = key.public_key()
    kid = kid_for(public_key)
    started = time.perf_counter()
    texts = [
        pass_encode(
            PassClaims(f"p-{number:06d}", "green", "张*", ISSUED, ISSUED + 14 * 86_400),
            private_key=key,
            kid=kid,
        )
        for number in range(passes)
    ]
    signed = [_signed_parts(text) for text in texts]
    print(
        f"signed {passes:,} passes in {time.perf_counter() - started:.1f} s ({len(texts[0])} characters each)"
    )
    # Revocations of other subjects, so the lookup is not of an empty table.
    revocations = Revocations(entries={f"r-{number:06d}": ISSUED for number in range(1_000)})
    verifier = Verifier({kid: public_key}, revocations)
    assert all(verifier.verify(text, NOW).ok for text in texts)
    ecdsa = ec.ECDSA(hashes.SHA256())

    def ours() -> None:
        for text in texts:
            verifier.verify(text, NOW)

    def raw() -> None:
        for signature, data in signed:
            public_key.verify(signature, data, ecdsa)

    ours_rate, raw_rate = _best_rates(passes, [ours, raw])
    print(f"ours: Verifier.verify        {ours_rate:10,.0f} passes/s ({1e6 / ours_rate:.1f} µs each)")
    print(f"raw:  ECDSA P-256 verify     {raw_rate:10,.0f} passes/s ({1e6 / raw_rate:.1f} µs each)")
    return ours_rate / raw_rate


def bench_scan(requests: int) -> float:
    """Requests per second of the online scan endpoint and of a trivial endpoint of the same server."""
    data_dir = tempfile.mkdtemp(prefix="fangyi-bench-")
    atexit.register(shutil.rmtree, data_dir, True)
    os.environ.update(
        {"FANGYI_DEBUG": "1", "FANGYI_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "fangyi.settings"}
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from waitress.server import create_server

    from fangyi.accounts.choices import Role
    from fangyi.accounts.models import RoleAssignment, User
    from fangyi.accounts.services import api_token_create
    from fangyi.healthpass.services import pass_issue
    from fangyi.people.services import person_register
    from fangyi.regions.models import Place
    from fangyi.regions.services import regions_load
    from fangyi.wsgi import application

    call_command("migrate", verbosity=0)
    regions_load()
    gate = Place.objects.create(name="测试小区门", kind="compound_gate", region_id="430102001")
    staff = User.objects.create_user(username="bench-gate")
    RoleAssignment.objects.create(user=staff, role=Role.CHECKPOINT_STAFF, region_id="430102")
    _token, key = api_token_create(actor=staff, name="bench")
    resident = User.objects.create_user(username="bench-resident")
    person = person_register(
        actor=None, name="张三", id_number="430102198001010011", home_region="430102001001"
    )
    person.user = resident
    person.save(update_fields=["user"])
    token = pass_issue(actor=resident).token

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(application, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(method: str, path: str, body: str | None, expect: int) -> None:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == expect, (path, response.status)

    def scans() -> None:
        for _ in range(requests):
            body = {"id": str(uuid.uuid4()), "place_id": gate.pk, "token": token, "temperature": 36.5}
            call("POST", "/api/v1/healthpass/scans", json.dumps(body), 201)

    def health() -> None:
        for _ in range(requests):
            call("GET", "/api/v1/health", None, 200)

    call("GET", "/api/v1/health", None, 200)
    scan_rate, health_rate = _best_rates(requests, [scans, health])
    server.close()
    print(f"scan:   POST /healthpass/scans   {scan_rate:10,.0f} requests/s ({1e3 / scan_rate:.2f} ms each)")
    print(
        f"health: GET /health              {health_rate:10,.0f} requests/s ({1e3 / health_rate:.2f} ms each)"
    )
    print(f"scan_ratio={scan_rate / health_rate:.3f}")
    return scan_rate / health_rate


def _signed_parts(text: str) -> tuple[bytes, bytes]:
    """(DER signature, Sig_structure bytes) of a pass: exactly what its signature check verifies."""
    protected, _unprotected, payload, signature = cbor2.loads(
        zlib.decompress(base45.b45decode(text[len(PREFIX) :]))
    ).value
    der = ecdsa_der_signature(signature)
    assert der is not None
    return der, sig_structure(protected, payload)


def _best_rates(items: int, runs: Sequence[Callable[[], None]]) -> list[float]:
    """Items per second of each run, the best of ROUNDS alternating rounds (the machines are noisy)."""
    best = [float("inf")] * len(runs)
    for _ in range(ROUNDS):
        for index, run in enumerate(runs):
            t0 = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - t0)
    return [items / seconds for seconds in best]


if __name__ == "__main__":
    main()
