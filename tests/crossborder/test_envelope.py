"""The cross-border envelope, receipt and error signal: each signed by the node that writes
it, read back only when intact, and accepted by xmlsec1 trusting only that node's root."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from qyzmet.crossborder.envelope import (
    Enclosure,
    Envelope,
    EnvelopeError,
    ErrorSignal,
    Opened,
    Party,
    envelope_open,
    envelope_seal,
    error_signal_open,
    error_signal_seal,
    receipt_for,
    receipt_matches,
    receipt_open,
)
from tests.documents.pki import Pki, make_pki

KZ = Party("KZ", "990240000010")
KG = Party("KG", "02010199910048")
AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
REQUEST = b"<Request><Person>870412400567</Person><Purpose>employment</Purpose></Request>"


def _envelope(**changes: object) -> Envelope:
    fields: dict[str, object] = {
        "message_id": uuid.uuid4(), "conversation_id": uuid.uuid4(), "sequence": 1,
        "sender": KZ, "receiver": KG, "document_type": "criminal-record-certificate-request",
        "created_at": AT,
        "documents": (Enclosure("request.xml", "application/xml", REQUEST),
                      Enclosure("consent.pdf", "application/pdf", b"%PDF-1.7 consent")),
    }  # fmt: skip
    fields.update(changes)
    return Envelope(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def kz() -> Pki:
    return make_pki("ec")


@pytest.fixture(scope="module")
def kg() -> Pki:
    return make_pki("rsa")


def test_an_envelope_reads_back_as_it_was_sealed(kz: Pki) -> None:
    envelope = _envelope(sequence=3)
    opened = envelope_open(envelope_seal(envelope, kz.signer))
    assert opened.value == envelope
    assert opened.signature.intact
    assert opened.signature.signer_certificate == kz.signer.certificate
    assert kz.issuing in opened.signature.embedded_certificates


def _xmlsec1_verifies(xml: bytes, root: Pki, directory: Path) -> subprocess.CompletedProcess[str]:
    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1 is not None, "xmlsec1 is installed by scripts/test"
    (directory / "signed.xml").write_bytes(xml)
    (directory / "root.pem").write_bytes(root.root.public_bytes(serialization.Encoding.PEM))
    return subprocess.run(  # noqa: S603 - a fixed tool on this test's own files
        [xmlsec1, "--verify", "--trusted-pem", str(directory / "root.pem"),
         str(directory / "signed.xml")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_envelopes_and_receipts_verify_with_xmlsec1_against_the_nodes_roots(
    kz: Pki, kg: Pki, tmp_path: Path
) -> None:
    sealed = envelope_seal(_envelope(), kz.signer)
    verified = _xmlsec1_verifies(sealed, kz, tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.startswith("OK")
    assert _xmlsec1_verifies(sealed, kg, tmp_path).returncode != 0, "only under KZ's root"

    receipt = receipt_for(envelope_open(sealed), kg.signer, AT)
    assert _xmlsec1_verifies(receipt, kg, tmp_path).returncode == 0
    altered = sealed.replace(b"<Sequence>1</Sequence>", b"<Sequence>2</Sequence>")
    failed = _xmlsec1_verifies(altered, kz, tmp_path)
    assert failed.returncode != 0
    assert "FAIL" in failed.stderr


def test_a_receipt_binds_the_message_the_bytes_and_every_document(kz: Pki, kg: Pki) -> None:
    sent = envelope_open(envelope_seal(_envelope(), kz.signer))
    receipt = receipt_open(receipt_for(sent, kg.signer, AT))
    assert receipt.signature.signer_certificate == kg.signer.certificate
    assert receipt.value.received_at == AT
    assert receipt.value.documents == tuple((d.name, d.sha256) for d in sent.value.documents)

    def matches(envelope: Opened[Envelope]) -> bool:
        return receipt_matches(
            receipt.value, message_id=envelope.value.message_id, envelope_sha256=envelope.sha256
        )

    assert matches(sent)
    assert not matches(envelope_open(envelope_seal(_envelope(), kz.signer))), "another message"
    again = envelope_open(envelope_seal(sent.value, kz.signer))  # same content, new bytes
    assert not matches(again), "the digest of the bytes received"


def _document_replaced(sealed: bytes, old: bytes, new: bytes) -> bytes:
    return sealed.replace(base64.b64encode(old), base64.b64encode(new))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda x: x.replace(b"<Sequence>1</Sequence>", b"<Sequence>9</Sequence>"), "altered"),
        (
            lambda x: _document_replaced(x, REQUEST, REQUEST.replace(b"870412", b"870413")),
            "altered",
        ),
        (lambda x: x.replace(b'sha256="', b'sha256="0'), "altered"),
        (lambda x: x[: x.index(b"<ds:Signature")] + b"</Envelope>", "malformed"),
        (lambda x: b"<!DOCTYPE x [<!ENTITY e 'e'>]>" + x.split(b"?>", 1)[1], "malformed"),
        (lambda x: x.replace(b"Envelope", b"Envelop"), "malformed"),
        (lambda x: b"not xml", "malformed"),
    ],
    ids=["header", "document", "digest", "unsigned", "dtd", "not-an-envelope", "not-xml"],
)
def test_a_changed_or_broken_envelope_is_refused_with_its_reason(
    kz: Pki, change: object, code: str
) -> None:
    sealed = envelope_seal(_envelope(), kz.signer)
    with pytest.raises(EnvelopeError) as refused:
        envelope_open(change(sealed))  # type: ignore[operator]
    assert refused.value.code == code


def test_an_envelope_of_another_node_is_not_mistaken_for_its_own(kz: Pki, kg: Pki) -> None:
    """Reading checks integrity, not trust: the signer is reported for the caller to judge
    against the sender's trust list."""
    opened = envelope_open(envelope_seal(_envelope(sender=KG, receiver=KZ), kg.signer))
    assert opened.signature.signer_certificate == kg.signer.certificate
    assert opened.signature.signer_certificate != kz.signer.certificate


def test_an_error_signal_says_what_was_refused_and_why(kg: Pki) -> None:
    message = uuid.uuid4()
    signal = ErrorSignal(
        message_id=message, sender=KG, code="untrusted-signer",
        detail="The envelope's signer is not on KZ's trust list.",
        envelope_sha256="ab" * 32, at=AT,
    )  # fmt: skip
    opened = error_signal_open(error_signal_seal(signal, kg.signer))
    assert opened.value == signal
    assert opened.signature.signer_certificate == kg.signer.certificate
    unnamed = ErrorSignal(None, KG, "malformed", "Not XML.", "cd" * 32, AT)
    assert error_signal_open(error_signal_seal(unnamed, kg.signer)).value.message_id is None
    with pytest.raises(ValueError, match="unknown error code"):
        error_signal_seal(ErrorSignal(None, KG, "sorry", "", "", AT), kg.signer)
