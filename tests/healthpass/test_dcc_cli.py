"""`fangyi dcc-verify`: single certificates with exit codes, and JSON-lines batches."""

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from test_dcc import DURING, RECOVERY, TEST, VACCINATION, cwt, hc1, make_certificate, new_ec_signer

from fangyi.healthpass.dcc import certificate_kid


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "FANGYI_DEBUG": "1", "FANGYI_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "fangyi.cli", "dcc-verify", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    return run


@pytest.fixture(scope="module")
def signers():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return [
        new_ec_signer("DSC one"),
        new_ec_signer("DSC two"),
        (rsa_key, make_certificate(rsa_key, "DSC RSA")),
    ]


def pem_file(path: Path, *certificates) -> str:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return str(path)


def test_single_valid_certificate_exits_0_with_claims_and_summary(run, signers, tmp_path):
    (key, certificate), (_other_key, other), _rsa = signers
    bundle = pem_file(tmp_path / "bundle.pem", other, certificate)
    qr = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    done = run("--cert", bundle, "--at", "2021-09-01T00:00:00+08:00", qr)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["ok"], report["code"]) == (True, "ok")
    assert report["kid"] == base64.b64encode(certificate_kid(certificate)).decode()
    assert report["claims"]["-260"]["1"]["v"][0]["mp"] == "EU/1/20/1528"
    assert report["summary"]["kind"] == "vaccination"
    assert report["summary"]["name"] == "Musterfrau-Gößinger Gabriele"


def test_single_refusals_exit_1_with_their_code(run, signers, tmp_path):
    (key, certificate), (_other_key, other), (rsa_key, rsa_certificate) = signers
    trusted = pem_file(tmp_path / "trusted.pem", certificate)
    second = pem_file(tmp_path / "second.pem", rsa_certificate)
    qr = hc1(cwt(TEST), key, certificate_kid(certificate))
    cases = [
        (["--cert", trusted, qr], "expired"),  # the default --at is now, long after 2022
        (["--cert", trusted, "--at", "2021-01-01", qr], "not_yet_valid"),
        (["--cert", pem_file(tmp_path / "other.pem", other), "--skip-time-check", qr], "unknown_key"),
        (["--cert", second, "--cert", trusted, "--skip-time-check", qr + "~"], "bad_base45"),
        (["--cert", trusted, "--skip-time-check", qr.replace("HC1:", "HC2:")], "bad_prefix"),
    ]
    for args, code in cases:
        done = run(*args)
        assert done.returncode == 1, (code, done.stderr)
        report = json.loads(done.stdout)
        assert (report["ok"], report["code"]) == (False, code)
        assert report["message"]
    ps256 = hc1(cwt(RECOVERY), rsa_key, certificate_kid(rsa_certificate))
    done = run("--cert", trusted, "--cert", second, "--skip-time-check", ps256)
    assert (done.returncode, json.loads(done.stdout)["code"]) == (0, "ok")


def test_single_bad_input_exits_2(run, signers, tmp_path):
    key, certificate = signers[0]
    trusted = pem_file(tmp_path / "trusted.pem", certificate)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    qr = hc1(cwt(TEST), key, certificate_kid(certificate))
    for args in (
        ["--cert", trusted, "--at", "yesterday", qr],
        ["--cert", str(tmp_path / "missing.pem"), qr],
        ["--cert", str(junk), qr],
        ["--cert", trusted, "--at", "2021-09-01", "--skip-time-check", qr],
        [qr],
    ):
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        report = json.loads(done.stdout)
        assert (report["ok"], report["code"]) == (False, "bad_input")
        assert report["message"]


def test_batch_answers_every_line(run, signers, tmp_path):
    (key, certificate), (other_key, _other), (rsa_key, rsa_certificate) = signers
    ec_der, rsa_der = (
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in (certificate, rsa_certificate)
    )
    kid, rsa_kid, during = certificate_kid(certificate), certificate_kid(rsa_certificate), DURING.isoformat()

    def line(qr: str, der: str, at: str | None) -> str:
        return json.dumps({"qr": qr, "certificate": der, "at": at})

    cases = [
        (lambda h: "this is not json", "bad_input"),
        (lambda h: line("HC1:x", "%%%", None), "bad_input"),
        (lambda h: line(hc1(cwt(h), rsa_key, rsa_kid), rsa_der, during), "ok"),
        (lambda h: line(hc1(cwt(h), key, kid), ec_der, "2030-01-01T00:00:00Z"), "expired"),
        (lambda h: line(hc1(cwt(h), other_key, kid), ec_der, during), "bad_signature"),
        (lambda h: line(hc1(cwt(h), key, kid), rsa_der, None), "unknown_key"),
        (lambda h: line("HC1:x", ec_der, "soon"), "bad_input"),
        (lambda h: "", None),
        (lambda h: line(hc1(cwt(h), key, kid), ec_der, None), "ok"),
        (
            lambda h: json.dumps({"qr": hc1(cwt(h), key, kid), "certificate": ec_der}),
            "expired",
        ),  # "at" is now
    ]
    lines, expected = [], []
    for n in range(300):
        make, code = cases[n % len(cases)]
        lines.append(make((VACCINATION, TEST, RECOVERY)[n % 3]))
        if code is not None:
            expected.append((n + 1, code, code == "ok"))
    source = tmp_path / "batch.jsonl"
    source.write_text("\n".join(lines) + "\n")
    for args, stdin in ((["--jsonl", str(source)], None), (["--jsonl", "-"], source.read_text())):
        done = run(*args, stdin=stdin)
        assert done.returncode == 0, done.stderr
        reports = [json.loads(line) for line in done.stdout.splitlines()]
        assert [(r["line"], r["code"], r["ok"]) for r in reports] == expected
        assert all(r["claims"]["-260"]["1"]["ver"] == "1.3.0" for r in reports if r["ok"])


def test_batch_with_a_missing_file_is_bad_input(run, tmp_path):
    done = run("--jsonl", str(tmp_path / "missing.jsonl"))
    assert done.returncode == 2
    assert json.loads(done.stdout)["code"] == "bad_input"


def test_at_without_offset_is_utc(run, signers, tmp_path):
    key, certificate = signers[0]
    trusted = pem_file(tmp_path / "trusted.pem", certificate)
    qr = hc1(cwt(TEST), key, certificate_kid(certificate))
    issued = dt.datetime.fromtimestamp(cwt(TEST)[6], dt.UTC).replace(tzinfo=None)
    assert run("--cert", trusted, "--at", issued.isoformat(), qr).returncode == 0
    before = (issued - dt.timedelta(seconds=1)).isoformat()
    assert json.loads(run("--cert", trusted, "--at", before, qr).stdout)["code"] == "not_yet_valid"
