"""Health passes: how close the offline verifier comes to a bare ES256 signature check.

    .venv/bin/python bench/healthpass.py [--quick]

Signs N passes (20,000; 2,000 with --quick) with one P-256 key, then measures on one core

- ours: Verifier.verify(text, now) — prefix, Base45, zlib, COSE/CBOR, ES256, claims, time, revocation;
- raw: public_key.verify(der_signature, sig_structure, ECDSA(SHA-256)) on the same signed bytes,
  precomputed, so it is the signature check alone;

alternating rounds and keeping each one's best, and prints both rates. The last line is
verify_ratio=<ours/raw>: the share of the bare signature rate the full verifier keeps.
"""

import argparse
import time
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
