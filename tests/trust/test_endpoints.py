"""The relying-party endpoints under /trust/, checked with the tools relying parties use.

OpenSSL and curl talk to pytest-django's live server over real HTTP on loopback: OCSP
(good, then revoked), RFC 3161 time stamps, CRLs (also fetched by `openssl verify
-crl_download` from the URL the certificates carry), CA certificates and the trust list.
The bad-input sweep uses Django's test client, which raises on any server error.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.test import Client
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.trust.authority import (
    TrustSetup,
    certificate_revoke,
    held_certificate_issue,
    key_file_issue,
    trust_init,
    x509_of,
)
from qyzmet.trust.models import Certificate, Purpose
from qyzmet.trust.views import PROTOCOL_BODY_MAX
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

OPENSSL = shutil.which("openssl")
CURL = shutil.which("curl")
tools = pytest.mark.skipif(not (OPENSSL and CURL), reason="openssl and curl are needed")

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER


def _run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A tool's run; its stdout and stderr together in ``stdout``."""
    return subprocess.run(  # noqa: S603 - fixed tools, arguments made here
        [str(a) for a in args],
        check=check,
        capture_output=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )


def _pem(path: Path, *certificates: Certificate) -> Path:
    path.write_bytes(b"".join(x509_of(c).public_bytes(PEM) for c in certificates))
    return path


@dataclass
class Pki:
    setup: TrustSetup
    url: str
    directory: Path
    person: Certificate  # a citizen's key-file SIGN certificate

    @property
    def root_pem(self) -> Path:
        return _pem(self.directory / "root.pem", self.setup.root)

    @property
    def issuing_pem(self) -> Path:
        return _pem(self.directory / "issuing.pem", self.setup.issuing)

    @property
    def person_pem(self) -> Path:
        return _pem(self.directory / "cert.pem", self.person)


@pytest.fixture
def pki(live_server: LiveServer, settings: Settings, citizen_a: Persona, tmp_path: Path) -> Pki:
    # Before trust_init: certificates carry their CRL and AIA URLs, and tools follow them.
    settings.QYZMET_PUBLIC_URL = live_server.url
    setup = trust_init()
    assert citizen_a.account is not None
    person, _ = key_file_issue(
        account=citizen_a.account, password="a long key file password", algorithm="ecdsa-p256",
        actor="test",
    )  # fmt: skip
    return Pki(setup=setup, url=live_server.url, directory=tmp_path, person=person)


# --- OCSP ---------------------------------------------------------------------------------


def _openssl_ocsp(pki: Pki) -> str:
    assert OPENSSL is not None
    result = _run(
        OPENSSL, "ocsp", "-issuer", pki.issuing_pem, "-cert", pki.person_pem,
        "-url", f"{pki.url}/trust/ocsp", "-CAfile", pki.root_pem, "-no_nonce",
    )  # fmt: skip
    return result.stdout


@tools
def test_openssl_ocsp_says_good_then_revoked(pki: Pki) -> None:
    out = _openssl_ocsp(pki)
    assert "Response verify OK" in out
    assert f"{pki.person_pem}: good" in out

    certificate_revoke(certificate=pki.person, reason="key-compromise", actor="test")
    out = _openssl_ocsp(pki)
    assert "Response verify OK" in out
    assert f"{pki.person_pem}: revoked" in out
    assert "Reason: keyCompromise" in out


@tools
def test_openssl_ocsp_with_a_nonce_gets_it_back(pki: Pki) -> None:
    assert OPENSSL is not None
    result = _run(
        OPENSSL, "ocsp", "-issuer", pki.issuing_pem, "-cert", pki.person_pem,
        "-url", f"{pki.url}/trust/ocsp", "-CAfile", pki.root_pem, "-nonce",
    )  # fmt: skip
    assert "Response verify OK" in result.stdout
    assert "good" in result.stdout
    assert "WARNING: no nonce in response" not in result.stdout


def _ocsp_request(pki: Pki, certificate: x509.Certificate, hash_: hashes.HashAlgorithm) -> bytes:
    issuer = x509_of(pki.setup.issuing)
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuer, hash_)
        .build()
        .public_bytes(DER)
    )


@tools
@pytest.mark.parametrize("slash_escaped", [False, True])
def test_ocsp_by_get_as_in_rfc_6960_appendix_a(pki: Pki, slash_escaped: bool) -> None:
    assert CURL is not None
    sha1 = hashes.SHA1()  # noqa: S303 - the CertID hash RFC 5019 clients use
    encoded = base64.b64encode(_ocsp_request(pki, x509_of(pki.person), sha1)).decode()
    if slash_escaped:
        encoded = encoded.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
    body = pki.directory / "response.der"
    result = _run(
        CURL, "--silent", "--show-error", "--fail", "--output", body,
        "--write-out", "%{content_type} %{header_json}", f"{pki.url}/trust/ocsp/{encoded}",
    )  # fmt: skip
    assert result.stdout.startswith("application/ocsp-response ")
    assert "max-age=" in result.stdout  # GET answers may be cached by relying parties
    response = ocsp.load_der_ocsp_response(body.read_bytes())
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == x509_of(pki.person).serial_number


# --- time stamps --------------------------------------------------------------------------


@tools
def test_openssl_ts_query_is_stamped_and_verifies(pki: Pki) -> None:
    assert OPENSSL is not None
    assert CURL is not None
    data = pki.directory / "contract.txt"
    data.write_text("Lease agreement, flat 45.\n", encoding="utf-8")
    query, reply = pki.directory / "q.tsq", pki.directory / "r.tsr"
    _run(OPENSSL, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
    result = _run(
        CURL, "--silent", "--show-error", "--fail", "--data-binary", f"@{query}",
        "--header", "Content-Type: application/timestamp-query",
        "--output", reply, "--write-out", "%{content_type}", f"{pki.url}/trust/tsa",
    )  # fmt: skip
    assert result.stdout == "application/timestamp-reply"
    chain = _pem(pki.directory / "tsa_chain.pem", pki.setup.timestamping, pki.setup.issuing)

    verified = _run(
        OPENSSL, "ts", "-verify", "-data", data, "-in", reply,
        "-CAfile", pki.root_pem, "-untrusted", chain, check=False,
    )  # fmt: skip
    assert "Verification: OK" in verified.stdout

    data.write_text("Lease agreement, flat 46.\n", encoding="utf-8")
    tampered = _run(
        OPENSSL, "ts", "-verify", "-data", data, "-in", reply,
        "-CAfile", pki.root_pem, "-untrusted", chain, check=False,
    )  # fmt: skip
    assert "Verification: FAILED" in tampered.stdout


# --- CRLs and certificates ----------------------------------------------------------------


def _curl(pki: Pki, path: str, output: Path) -> str:
    """GET ``path``; returns "<status> <content type>"."""
    assert CURL is not None
    return _run(
        CURL, "--silent", "--show-error", "--output", output,
        "--write-out", "%{http_code} %{content_type}", f"{pki.url}{path}",
    ).stdout  # fmt: skip


@tools
def test_openssl_verifies_the_crl_and_sees_the_revoked_serial(pki: Pki) -> None:
    assert OPENSSL is not None
    certificate_revoke(certificate=pki.person, reason="key-compromise", actor="test")
    crl = pki.directory / "issuing.crl"
    assert _curl(pki, f"/trust/crl/{pki.setup.issuing.serial}.crl", crl) == (
        "200 application/pkix-crl"
    )
    bundle = _pem(pki.directory / "cas.pem", pki.setup.root, pki.setup.issuing)
    result = _run(OPENSSL, "crl", "-inform", "DER", "-in", crl, "-CAfile", bundle, "-noout")
    assert "verify OK" in result.stdout
    listed = _run(OPENSSL, "crl", "-inform", "DER", "-in", crl, "-noout", "-text").stdout
    serials = [
        int(line.split(":", 1)[1], 16)
        for line in listed.splitlines()
        if line.strip().startswith("Serial Number:")
    ]
    assert serials == [int(pki.person.serial, 16)]
    assert "Key Compromise" in listed


@tools
def test_openssl_verify_follows_the_crl_urls_in_the_certificates(pki: Pki) -> None:
    """`-crl_download` fetches each CRL from the URL in the certificate: our endpoints."""
    assert OPENSSL is not None

    def verify(certificate: Path, *untrusted: str | Path) -> subprocess.CompletedProcess[str]:
        return _run(
            OPENSSL, "verify", "-CAfile", pki.root_pem, *untrusted,
            "-crl_check", "-crl_download", certificate, check=False,
        )  # fmt: skip

    # The issuing CA against the root's CRL, the person's certificate against the issuing CA's.
    assert f"{pki.issuing_pem}: OK" in verify(pki.issuing_pem).stdout
    verified = verify(pki.person_pem, "-untrusted", pki.issuing_pem).stdout
    assert f"{pki.person_pem}: OK" in verified, verified

    certificate_revoke(certificate=pki.person, reason="superseded", actor="test")
    refused = verify(pki.person_pem, "-untrusted", pki.issuing_pem)
    assert refused.returncode != 0
    assert "certificate revoked" in refused.stdout


@tools
def test_ca_side_certificates_are_published_as_der(pki: Pki) -> None:
    for certificate in (
        pki.setup.root,
        pki.setup.issuing,
        pki.setup.timestamping,
        pki.setup.ocsp,
    ):
        out = pki.directory / f"{certificate.serial}.crt"
        status = _curl(pki, f"/trust/certificates/{certificate.serial}.crt", out)
        assert status == "200 application/pkix-cert"
        assert out.read_bytes() == bytes(certificate.der)


@tools
def test_the_trust_list_works_as_an_openssl_cafile(pki: Pki) -> None:
    assert OPENSSL is not None
    roots = pki.directory / "roots.pem"
    assert _curl(pki, "/trust/roots.pem", roots).startswith("200 application/x-pem-file")
    result = _run(
        OPENSSL, "verify", "-CAfile", roots, "-untrusted", pki.issuing_pem, pki.person_pem
    )
    assert f"{pki.person_pem}: OK" in result.stdout
    # Only the root is on the list, once (it is both a CA and a TSA anchor).
    loaded = x509.load_pem_x509_certificates(roots.read_bytes())
    assert [c.public_bytes(DER) for c in loaded] == [bytes(pki.setup.root.der)]


# --- what is not published, and bad input -------------------------------------------------


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=True)


def _post(client: Client, path: str, body: bytes, media_type: str) -> Response:
    """POST raw bytes; the Content-Type is sent even with an empty body, as tools do."""
    response: Response = client.post(path, body, content_type=media_type, CONTENT_TYPE=media_type)
    return response


@pytest.fixture
def person_certificate(trust: TrustSetup, citizen_a: Persona) -> Certificate:
    assert citizen_a.account is not None
    return held_certificate_issue(
        account=citizen_a.account, purpose=Purpose.SIGN, algorithm="ecdsa-p256", actor="test"
    )


def test_peoples_certificates_are_not_published(
    client: Client, person_certificate: Certificate
) -> None:
    response = client.get(f"/trust/certificates/{person_certificate.serial}.crt")
    assert response.status_code == 404
    assert bytes(person_certificate.der) not in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/trust/certificates/abc123.crt",  # no such serial
        "/trust/certificates/not-hex.crt",
        "/trust/certificates/" + "f" * 65 + ".crt",
        "/trust/crl/abc123.crl",
    ],
)
def test_unknown_serials_are_not_found(client: Client, trust: TrustSetup, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("purpose", ["timestamping", "ocsp"])
def test_only_cas_have_crls(client: Client, trust: TrustSetup, purpose: str) -> None:
    certificate = trust.timestamping if purpose == "timestamping" else trust.ocsp
    assert client.get(f"/trust/crl/{certificate.serial}.crl").status_code == 404


def test_serials_are_matched_whatever_the_case_and_leading_zeros(
    client: Client, trust: TrustSetup
) -> None:
    serial = "00" + trust.issuing.serial.upper()
    response = client.get(f"/trust/certificates/{serial}.crt")
    assert response.status_code == 200
    assert response.content == bytes(trust.issuing.der)
    assert client.get(f"/trust/crl/{serial}.crl").status_code == 200


def test_root_crl_lists_a_revoked_issuing_ca_and_is_signed_by_the_root(
    client: Client, trust: TrustSetup
) -> None:
    response = client.get(f"/trust/crl/{trust.root.serial}.crl")
    crl = x509.load_der_x509_crl(response.content)
    root = x509_of(trust.root)
    assert crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert crl.issuer == root.subject
    assert list(crl) == []


def _ocsp_status(response_body: bytes) -> ocsp.OCSPResponseStatus:
    return ocsp.load_der_ocsp_response(response_body).response_status


BAD_OCSP_BODIES: dict[str, bytes] = {
    "empty": b"",
    "garbage": b"\x00\x01not der at all",
    "truncated sequence": bytes.fromhex("3082ffff3000"),
    "deep nesting": b"\x30\x80" * 2000,
    "an empty sequence": b"\x30\x00",
}


@pytest.mark.parametrize("name", [*BAD_OCSP_BODIES, "a certificate instead"])
def test_bad_ocsp_bodies_get_malformed_request(
    client: Client, trust: TrustSetup, name: str
) -> None:
    body = BAD_OCSP_BODIES.get(name, bytes(trust.root.der))
    response = _post(client, "/trust/ocsp", body, "application/ocsp-request")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ocsp-response"
    assert _ocsp_status(response.content) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.parametrize("encoded", ["***", "AAAA", "%%%", "MA==", "a/b/c", "-_-_"])
def test_bad_ocsp_get_requests_get_malformed_request(
    client: Client, trust: TrustSetup, encoded: str
) -> None:
    response = client.get(f"/trust/ocsp/{encoded}")
    assert response.status_code == 200
    assert _ocsp_status(response.content) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.parametrize(
    "hash_",
    [hashes.SHA1(), hashes.SHA256(), hashes.SHA384(), hashes.SHA512()],  # noqa: S303 - CertID
    ids=lambda h: h.name,
)
def test_ocsp_answers_in_the_hash_the_request_used(
    client: Client, person_certificate: Certificate, trust: TrustSetup, hash_: hashes.HashAlgorithm
) -> None:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(x509_of(person_certificate), x509_of(trust.issuing), hash_)
        .build()
    )
    response = client.post(
        "/trust/ocsp", request.public_bytes(DER), content_type="application/ocsp-request"
    )
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    # A client matches the answer to its question by the CertID: same hash, same values.
    assert answer.hash_algorithm.name == hash_.name
    assert answer.issuer_key_hash == request.issuer_key_hash
    assert answer.issuer_name_hash == request.issuer_name_hash


def test_ocsp_request_with_an_unknown_cert_id_hash_is_not_a_server_error(
    client: Client, person_certificate: Certificate, trust: TrustSetup
) -> None:
    from asn1crypto import ocsp as asn1_ocsp

    request = asn1_ocsp.OCSPRequest.load(
        _ocsp_request_for(person_certificate, trust, hashes.SHA256())
    )
    # MD5 as the CertID hash: cryptography cannot even name it.
    request["tbs_request"]["request_list"][0]["req_cert"]["hash_algorithm"]["algorithm"] = "md5"
    response = client.post("/trust/ocsp", request.dump(force=True), "application/ocsp-request")
    assert response.status_code == 200
    assert _ocsp_status(response.content) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def _ocsp_request_for(
    certificate: Certificate, trust: TrustSetup, hash_: hashes.HashAlgorithm
) -> bytes:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(x509_of(certificate), x509_of(trust.issuing), hash_)
        .build()
        .public_bytes(DER)
    )


def test_ocsp_for_a_certificate_of_another_ca_is_unknown(
    client: Client, trust: TrustSetup, citizen_a: Persona
) -> None:
    from tests.documents.pki import make_pki

    foreign = make_pki("ec")
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(foreign.signer.certificate, foreign.issuing, hashes.SHA256())
        .build()
    )
    response = client.post("/trust/ocsp", request.public_bytes(DER), "application/ocsp-request")
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


class _TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161's TimeStampResp: asn1crypto's own insists on a token, which rejections lack."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _tsa_status(body: bytes) -> tuple[str, set[str]]:
    status = _TimeStampResp.load(body)["status"]
    return status["status"].native, set(status["fail_info"].native or ())


def _ts_query(algorithm: str, digest: bytes) -> bytes:
    from asn1crypto import algos

    return bytes(
        tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                    "hashed_message": digest,
                },
                "cert_req": True,
            }
        ).dump()
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "bad_data_format"),
        (b"\x30\x03\x02\x01\x01", "bad_data_format"),
        (b"not der", "bad_data_format"),
        (_ts_query("md5", b"\x00" * 16), "bad_alg"),
        (_ts_query("sha256", b"\x00" * 5), "bad_data_format"),  # imprint of the wrong length
    ],
    ids=["empty", "short", "garbage", "md5", "short-imprint"],
)
def test_bad_time_stamp_queries_are_rejected_in_rfc_3161_terms(
    client: Client, trust: TrustSetup, body: bytes, reason: str
) -> None:
    response = _post(client, "/trust/tsa", body, "application/timestamp-query")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    assert _tsa_status(response.content) == ("rejection", {reason})


def test_a_good_time_stamp_query_is_granted(client: Client, trust: TrustSetup) -> None:
    response = client.post(
        "/trust/tsa", _ts_query("sha256", b"\x11" * 32), "application/timestamp-query"
    )
    status, _ = _tsa_status(response.content)
    assert status == "granted"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/trust/ocsp", "application/ocsp-request"), ("/trust/tsa", "application/timestamp-query")],
)
def test_protocol_posts_refuse_other_media_types_and_big_bodies(
    client: Client, trust: TrustSetup, path: str, media_type: str
) -> None:
    assert client.post(path, b"\x30\x00", content_type="text/plain").status_code == 415
    assert client.post(path, {"form": "data"}).status_code == 415
    big = b"\x30" * (PROTOCOL_BODY_MAX + 1)
    assert client.post(path, big, content_type=media_type).status_code == 413
    # GET is not how these are asked.
    assert client.get(path).status_code == 405


def test_ocsp_and_tsa_need_no_csrf_token(trust: TrustSetup) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, "/trust/ocsp", b"", "application/ocsp-request").status_code == 200
    assert _post(strict, "/trust/tsa", b"", "application/timestamp-query").status_code == 200


def test_ocsp_and_tsa_before_trust_init_say_try_later(client: Client, db: None) -> None:
    from tests.documents.pki import make_pki

    elsewhere = make_pki("ec")
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(elsewhere.signer.certificate, elsewhere.issuing, hashes.SHA256())
        .build()
    )
    response = _post(client, "/trust/ocsp", request.public_bytes(DER), "application/ocsp-request")
    assert response.status_code == 200
    assert _ocsp_status(response.content) == ocsp.OCSPResponseStatus.TRY_LATER
    assert response["Cache-Control"] == "no-store"

    query = _ts_query("sha256", b"\x11" * 32)
    response = _post(client, "/trust/tsa", query, "application/timestamp-query")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert client.get("/trust/roots.pem").content == b""
