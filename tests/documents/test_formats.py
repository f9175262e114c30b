"""Signature formats against the tools other people verify with: Poppler's pdfsig (NSS),
xmlsec1 and OpenSSL. What we make must pass them; what we read must agree with them."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
import weasyprint
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from signxml.algorithms import SignatureMethod
from signxml.xades.xades import XAdESSigner

from qyzmet.documents.formats import FormatError, SignatureFacts
from qyzmet.documents.formats.cms import cms_inspect, cms_sign_detached, pyhanko_signer_for
from qyzmet.documents.formats.pades import pades_inspect, pades_sign
from qyzmet.documents.formats.xades import xades_inspect, xades_sign
from qyzmet.trust.signer import SigningIdentity
from tests.documents.pki import KeyKind, Pki, issue, make_pki, new_key

XML = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<ResidenceCertificate xmlns='urn:qyzmet:test'>"
    "<Name>Әлия Сейітқызы</Name><Status>resident</Status>"
    "</ResidenceCertificate>"
).encode()
CONTENT = b"Application no. 42\nAmount: 150000 KZT\n"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    # The tools are fixed paths from shutil.which and the arguments are our own temp files.
    return subprocess.run(  # noqa: S603
        [str(part) for part in command],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        timeout=30,
    )


@cache
def _pdf() -> bytes:
    html = "<h1>Анықтама</h1><p>Certificate of residence, issued to Әлия Сейітқызы.</p>"
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def _flip_byte_inside_first_stream(pdf: bytes) -> bytes:
    """One byte changed inside the page content stream: the file still parses, the digest
    of the signed byte range no longer matches."""
    position = pdf.index(b"stream\n") + len(b"stream\n") + 10
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def _with_key_of_someone_else(pki: Pki, kind: KeyKind) -> SigningIdentity:
    """The signer's certificate, but a key of the same kind that does not belong to it."""
    return SigningIdentity(
        private_key=new_key(kind),
        certificate=pki.signer.certificate,
        chain=pki.signer.chain,
    )


def _impostor(pki: Pki) -> x509.Certificate:
    """A certificate with the signer's issuer, name and serial number but another key."""
    return issue(
        subject="Qyzmet Test Signer (ec)",
        public_key=new_key("ec").public_key(),
        issuer=pki.issuing,
        issuer_key=pki.issuing_key,
        role="signer",
        serial=pki.signer.certificate.serial_number,
    )


def _assert_recent(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


def _assert_intact(facts: SignatureFacts, pki: Pki, *, timestamped: bool) -> None:
    assert facts.intact, facts.integrity_problem
    assert facts.integrity_problem is None
    assert facts.covers_whole_document
    assert facts.signer_certificate == pki.signer.certificate
    assert pki.signer.certificate in facts.embedded_certificates
    assert pki.issuing in facts.embedded_certificates
    _assert_recent(facts.claimed_signing_time)
    if timestamped:
        assert facts.timestamp_intact is True
        assert facts.timestamp_certificate == pki.tsa_certificate
        _assert_recent(facts.timestamp_time)
    else:
        assert facts.timestamp_intact is None
        assert facts.timestamp_certificate is None
        assert facts.timestamp_time is None


Sign = Callable[[SigningIdentity], bytes]
SIGNERS: dict[str, Sign] = {
    "pades": lambda signer: pades_sign(_pdf(), signer=signer, timestamper=None),
    "xades": lambda signer: xades_sign(XML, signer=signer),
    "cms": lambda signer: cms_sign_detached(CONTENT, signer=signer, timestamper=None),
}


@pytest.mark.parametrize("format_name", SIGNERS)
def test_signing_with_a_key_that_is_not_the_certificates_is_refused(format_name: str) -> None:
    pki = make_pki("ec")
    with pytest.raises(FormatError) as raised:
        SIGNERS[format_name](_with_key_of_someone_else(pki, "ec"))
    assert raised.value.code == "key-certificate-mismatch"


# --- PAdES -------------------------------------------------------------------------------


def _pdfsig(pki: Pki, pdf: bytes, directory: Path) -> str:
    """pdfsig's report on ``pdf`` with only ``pki``'s root trusted (pdfsig always exits 0)."""
    certutil, pdfsig = _require("certutil"), _require("pdfsig")
    database = directory / "nssdb"
    database.mkdir(exist_ok=True)
    if not (database / "cert9.db").exists():
        _run(certutil, "-N", "-d", f"sql:{database}", "--empty-password").check_returncode()
        root = pki.write_root(directory / "root.pem")
        _run(
            certutil, "-A", "-d", f"sql:{database}", "-n", "root", "-t", "CT,C,C", "-i", root
        ).check_returncode()
    document = directory / "document.pdf"
    document.write_bytes(pdf)
    return _run(pdfsig, "-nssdir", f"sql:{database}", "-no-ocsp", document).stdout


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_pades_is_valid_and_trusted_for_pdfsig_and_tampering_is_caught(
    kind: KeyKind, tmp_path: Path
) -> None:
    pki = make_pki(kind)
    signed = pades_sign(
        _pdf(), signer=pki.signer, timestamper=pki.timestamper(), reason="Issued by qyzmet"
    )

    report = _pdfsig(pki, signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    (facts,) = pades_inspect(signed)
    assert facts.format == "pades"
    _assert_intact(facts, pki, timestamped=True)

    tampered = _flip_byte_inside_first_stream(signed)
    report = _pdfsig(pki, tampered, tmp_path)
    assert "Signature Validation: Digest Mismatch." in report
    assert "Signature is Valid" not in report
    (facts,) = pades_inspect(tampered)
    assert not facts.intact
    assert facts.integrity_problem == "digest-mismatch"


def test_pades_ed25519_reads_intact() -> None:
    # pdfsig (NSS CMS) cannot check Ed25519 signatures, so only our reading is tested.
    pki = make_pki("ed25519")
    signed = pades_sign(_pdf(), signer=pki.signer, timestamper=pki.timestamper())
    (facts,) = pades_inspect(signed)
    _assert_intact(facts, pki, timestamped=True)


def test_pades_without_timestamper_is_b_b() -> None:
    pki = make_pki("ec")
    (facts,) = pades_inspect(pades_sign(_pdf(), signer=pki.signer, timestamper=None))
    _assert_intact(facts, pki, timestamped=False)


def test_pades_signed_by_a_key_not_matching_the_certificate_is_not_intact() -> None:
    pki = make_pki("ec")
    # pades_sign refuses such a signer, so sign through pyHanko directly.
    writer = IncrementalPdfFileWriter(BytesIO(_pdf()))
    metadata = PdfSignatureMetadata(field_name="Signature1", subfilter=SigSeedSubFilter.PADES)
    signer = pyhanko_signer_for(_with_key_of_someone_else(pki, "ec"))
    signed = PdfSigner(metadata, signer=signer).sign_pdf(writer).getvalue()
    (facts,) = pades_inspect(signed)
    assert not facts.intact
    assert facts.integrity_problem == "bad-signature-value"
    assert facts.signer_certificate == pki.signer.certificate


def test_a_second_signature_leaves_the_first_intact_but_not_covering(tmp_path: Path) -> None:
    pki = make_pki("ec")
    once = pades_sign(_pdf(), signer=pki.signer, timestamper=None)
    twice = pades_sign(once, signer=pki.signer, timestamper=None, field_name="Signature2")

    first, second = pades_inspect(twice)
    assert first.intact
    assert not first.covers_whole_document
    assert second.intact
    assert second.covers_whole_document
    report = _pdfsig(pki, twice, tmp_path)
    assert report.count("Signature is Valid.") == 2
    assert "Not total document signed" in report


def test_content_appended_after_the_signature_breaks_it() -> None:
    pki = make_pki("ec")
    signed = pades_sign(_pdf(), signer=pki.signer, timestamper=None)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    overlay = writer.add_object(generic.StreamObject(stream_data=b"q 1 0 0 rg 0 0 200 50 re f Q"))
    writer.add_stream_to_page(0, overlay)  # type: ignore[no-untyped-call]
    output = BytesIO()
    writer.write(output)  # type: ignore[no-untyped-call]

    (facts,) = pades_inspect(output.getvalue())
    assert not facts.intact
    assert facts.integrity_problem == "content-after-signature"
    assert not facts.covers_whole_document


def test_signing_a_signed_field_again_is_refused() -> None:
    pki = make_pki("ec")
    signed = pades_sign(_pdf(), signer=pki.signer, timestamper=None)
    with pytest.raises(FormatError) as raised:
        pades_sign(signed, signer=pki.signer, timestamper=None)
    assert raised.value.code == "cannot-sign"


def test_a_garbled_signature_is_reported_not_raised() -> None:
    pki = make_pki("ec")
    signed = pades_sign(_pdf(), signer=pki.signer, timestamper=None)
    # /Contents lies outside the signed byte range: garbling it leaves the PDF readable.
    garbled = signed.replace(b"/Contents <3082", b"/Contents <0000", 1)
    assert garbled != signed
    (facts,) = pades_inspect(garbled)
    assert not facts.intact
    assert facts.integrity_problem == "malformed-signature"


def test_pdf_without_signatures_has_no_facts() -> None:
    assert pades_inspect(_pdf()) == []


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"%PDF-1.7\n%%EOF\n", _pdf()[: len(_pdf()) // 2]],
    ids=["empty", "text", "header-only", "truncated"],
)
def test_what_is_not_a_pdf_raises_format_error(data: bytes) -> None:
    pki = make_pki("ec")
    with pytest.raises(FormatError) as raised:
        pades_inspect(data)
    assert raised.value.code == "not-a-pdf"
    with pytest.raises(FormatError):
        pades_sign(data, signer=pki.signer, timestamper=None)


# --- XAdES -------------------------------------------------------------------------------


def _xmlsec1_verify(root: Path, xml: bytes) -> subprocess.CompletedProcess[str]:
    document = root.parent / "signed.xml"
    document.write_bytes(xml)
    return _run(_require("xmlsec1"), "--verify", "--trusted-pem", root, document)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_xades_passes_xmlsec1_trusting_only_the_root_and_tampering_is_caught(
    kind: KeyKind, tmp_path: Path
) -> None:
    pki = make_pki(kind)
    root = pki.write_root(tmp_path / "root.pem")
    signed = xades_sign(XML, signer=pki.signer)

    verified = _xmlsec1_verify(root, signed)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.startswith("OK")
    (facts,) = xades_inspect(signed)
    assert facts.format == "xades"
    _assert_intact(facts, pki, timestamped=False)

    other_root = make_pki("rsa" if kind == "ec" else "ec").write_root(tmp_path / "other.pem")
    assert _xmlsec1_verify(other_root, signed).returncode != 0

    tampered = signed.replace(b"resident", b"visitor")
    rejected = _xmlsec1_verify(root, tampered)
    assert rejected.returncode != 0
    assert "FAIL" in rejected.stderr
    (facts,) = xades_inspect(tampered)
    assert not facts.intact
    assert facts.integrity_problem == "digest-mismatch"


_NS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}
_SIGNATURE_TIMESTAMP = (
    "ds:Signature/ds:Object/xades:QualifyingProperties/xades:UnsignedProperties"
    "/xades:UnsignedSignatureProperties/xades:SignatureTimeStamp"
)


def _token_of(xml: bytes) -> str:
    """The base64 EncapsulatedTimeStamp of the (only) signature in ``xml``."""
    text: str = etree.fromstring(xml).findtext(
        f"{_SIGNATURE_TIMESTAMP}/xades:EncapsulatedTimeStamp", namespaces=_NS
    )
    return text


def _signature_value_of(xml: bytes) -> str:
    text: str = etree.fromstring(xml).findtext("ds:Signature/ds:SignatureValue", namespaces=_NS)
    return text


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_xades_t_passes_xmlsec1_and_its_time_stamp_is_read(kind: KeyKind, tmp_path: Path) -> None:
    pki = make_pki(kind)
    root = pki.write_root(tmp_path / "root.pem")
    signed = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())

    # The unsigned properties are outside every Reference: xmlsec1 is as happy as with BES.
    verified = _xmlsec1_verify(root, signed)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.startswith("OK")
    (facts,) = xades_inspect(signed)
    _assert_intact(facts, pki, timestamped=True)
    assert pki.tsa_certificate in facts.embedded_certificates

    (stamp,) = etree.fromstring(signed).iterfind(_SIGNATURE_TIMESTAMP, _NS)
    assert [child.tag.split("}")[1] for child in stamp] == [
        "CanonicalizationMethod",
        "EncapsulatedTimeStamp",
    ]
    assert (
        stamp.find("ds:CanonicalizationMethod", _NS).get("Algorithm")
        == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    # OpenSSL, knowing nothing of XAdES, agrees that the token is the TSA's and that it
    # stamps the SignatureValue element in inclusive C14N: with the namespaces in scope.
    value = etree.fromstring(signed).find("ds:Signature/ds:SignatureValue", _NS)
    canonical = etree.tostring(value, method="c14n")
    assert canonical.startswith(
        b'<ds:SignatureValue xmlns="urn:qyzmet:test" '
        b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        b'xmlns:xades="http://uri.etsi.org/01903/v1.3.2#">'
    )
    (tmp_path / "stamped").write_bytes(canonical)
    (tmp_path / "token.der").write_bytes(base64.b64decode(_token_of(signed)))
    checked = _run(
        _require("openssl"), "ts", "-verify", "-token_in", "-in", tmp_path / "token.der",
        "-data", tmp_path / "stamped", "-CAfile", root,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "Verification: OK" in checked.stdout


def test_xades_t_with_another_signature_value_has_neither_signature_nor_stamp_intact() -> None:
    pki = make_pki("ec")
    signed = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())
    other = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())
    ours, theirs = _signature_value_of(signed), _signature_value_of(other)
    assert ours != theirs  # ECDSA signatures are randomised

    (facts,) = xades_inspect(signed.replace(ours.encode(), theirs.encode()))
    assert not facts.intact
    assert facts.integrity_problem == "bad-signature-value"
    assert facts.timestamp_intact is False
    assert facts.timestamp_certificate == pki.tsa_certificate


def test_xades_t_with_the_time_stamp_of_another_signature_is_reported() -> None:
    pki = make_pki("ec")
    signed = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())
    donor = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())

    (facts,) = xades_inspect(signed.replace(_token_of(signed).encode(), _token_of(donor).encode()))
    # The signature itself is fine; the token is a good one, for a different signature.
    assert facts.intact
    assert facts.timestamp_intact is False
    assert facts.timestamp_certificate == pki.tsa_certificate
    _assert_recent(facts.timestamp_time)


def _flip_last_byte(token: str) -> str:
    """The token with the last byte of the TSA's signature value changed."""
    der = bytearray(base64.b64decode(token))
    der[-1] ^= 0x01
    return base64.b64encode(bytes(der)).decode()


@pytest.mark.parametrize(
    ("garble", "problem"),
    [
        (lambda token: "", None),
        (lambda token: base64.b64encode(b"not DER at all").decode(), None),
        (_flip_last_byte, None),
        # signxml checks the signature against the XAdES schema, unsigned properties too
        (lambda token: "not base64!", "malformed-signature"),
        (lambda token: token[: len(token) // 2 - 1], "malformed-signature"),
    ],
    ids=["empty", "not-der", "bad-tsa-signature", "not-base64", "truncated"],
)
def test_xades_t_with_a_garbled_time_stamp_is_reported_not_raised(
    garble: Callable[[str], str], problem: str | None
) -> None:
    pki = make_pki("ec")
    signed = xades_sign(XML, signer=pki.signer, timestamper=pki.timestamper())
    token = _token_of(signed)

    (facts,) = xades_inspect(signed.replace(token.encode(), garble(token).encode()))
    assert facts.integrity_problem == problem
    assert facts.intact is (problem is None)
    assert facts.timestamp_intact is False


def test_xades_of_a_root_with_an_id_still_refers_to_the_whole_document(tmp_path: Path) -> None:
    pki = make_pki("ec")
    with_id = XML.replace(b"<ResidenceCertificate ", b"<ResidenceCertificate Id='doc' ")
    signed = xades_sign(with_id, signer=pki.signer)
    assert b'URI=""' in signed
    assert _xmlsec1_verify(pki.write_root(tmp_path / "root.pem"), signed).returncode == 0
    (facts,) = xades_inspect(signed)
    assert facts.intact
    assert facts.covers_whole_document


def test_xades_signed_by_a_key_not_matching_the_certificate_is_not_intact() -> None:
    pki = make_pki("rsa")
    impostor = _with_key_of_someone_else(pki, "rsa")
    assert isinstance(impostor.private_key, rsa.RSAPrivateKey)
    # xades_sign refuses such a signer, so sign through signxml directly.
    signed = XAdESSigner(signature_algorithm=SignatureMethod.RSA_SHA256).sign(
        etree.fromstring(XML),
        key=impostor.private_key,
        cert=[impostor.certificate, *impostor.chain],
        always_add_key_value=False,
    )
    (facts,) = xades_inspect(etree.tostring(signed))
    assert not facts.intact
    assert facts.integrity_problem == "bad-signature-value"


def test_xades_with_a_swapped_certificate_is_not_intact() -> None:
    pki = make_pki("ec")
    signed = xades_sign(XML, signer=pki.signer)
    ours = _base64_body(pki.signer.certificate)
    assert ours in signed
    (facts,) = xades_inspect(signed.replace(ours, _base64_body(_impostor(pki))))
    assert not facts.intact
    assert facts.integrity_problem == "signing-certificate-mismatch"


def _base64_body(certificate: x509.Certificate) -> bytes:
    """The certificate's base64 as signxml writes it: PEM without armour."""
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return b"\n".join(pem.strip().splitlines()[1:-1]) + b"\n"


def test_xades_refuses_ed25519() -> None:
    with pytest.raises(FormatError) as raised:
        xades_sign(XML, signer=make_pki("ed25519").signer)
    assert raised.value.code == "unsupported-key"


def test_unsigned_xml_has_no_facts() -> None:
    assert xades_inspect(XML) == []


@pytest.mark.parametrize(
    "data",
    [b"", b"not xml", b"<a><b></a>", b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'],
    ids=["empty", "text", "unbalanced", "dtd"],
)
def test_what_is_not_xml_raises_format_error(data: bytes) -> None:
    with pytest.raises(FormatError) as raised:
        xades_inspect(data)
    assert raised.value.code == "not-xml"
    with pytest.raises(FormatError):
        xades_sign(data, signer=make_pki("ec").signer)


# --- CMS ---------------------------------------------------------------------------------


def _openssl_cms_verify(
    directory: Path, pki: Pki, signature: bytes, content: bytes
) -> subprocess.CompletedProcess[str]:
    (directory / "sig.p7s").write_bytes(signature)
    (directory / "content").write_bytes(content)
    return _run(
        _require("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
        "-in", directory / "sig.p7s", "-content", directory / "content",
        "-CAfile", pki.write_root(directory / "root.pem"), "-purpose", "any",
        "-out", directory / "verified",
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_cms_passes_openssl_and_tampering_is_caught(kind: KeyKind, tmp_path: Path) -> None:
    pki = make_pki(kind)
    signature = cms_sign_detached(CONTENT, signer=pki.signer, timestamper=pki.timestamper())

    verified = _openssl_cms_verify(tmp_path, pki, signature, CONTENT)
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr
    (facts,) = cms_inspect(signature, CONTENT)
    assert facts.format == "cms"
    _assert_intact(facts, pki, timestamped=True)

    tampered = CONTENT.replace(b"150000", b"950000")
    assert _openssl_cms_verify(tmp_path, pki, signature, tampered).returncode != 0
    (facts,) = cms_inspect(signature, tampered)
    assert not facts.intact
    assert facts.integrity_problem == "digest-mismatch"


def test_cms_ed25519_reads_intact() -> None:
    # OpenSSL's CMS cannot verify Ed25519 (openssl/openssl#11915), so only our reading is.
    pki = make_pki("ed25519")
    signature = cms_sign_detached(CONTENT, signer=pki.signer, timestamper=pki.timestamper())
    (facts,) = cms_inspect(signature, CONTENT)
    _assert_intact(facts, pki, timestamped=True)
    assert not cms_inspect(signature, CONTENT + b"!")[0].intact


def test_cms_without_timestamper_has_signing_time_only() -> None:
    pki = make_pki("rsa")
    (facts,) = cms_inspect(cms_sign_detached(CONTENT, signer=pki.signer, timestamper=None), CONTENT)
    _assert_intact(facts, pki, timestamped=False)


def test_cms_signed_by_a_key_not_matching_the_certificate_is_not_intact() -> None:
    pki = make_pki("ec")
    # cms_sign_detached refuses such a signer, so sign through pyHanko directly.
    signer = pyhanko_signer_for(_with_key_of_someone_else(pki, "ec"))
    content_info = asyncio.run(signer.async_sign_general_data(CONTENT, "sha256", detached=True))
    (facts,) = cms_inspect(content_info.dump(), CONTENT)
    assert not facts.intact
    assert facts.integrity_problem == "bad-signature-value"


def test_cms_with_a_changed_signature_value_is_not_intact() -> None:
    pki = make_pki("rsa")
    content_info = asn1_cms.ContentInfo.load(
        cms_sign_detached(CONTENT, signer=pki.signer, timestamper=None)
    )
    signer_info = content_info["content"]["signer_infos"][0]
    value = signer_info["signature"].native
    signer_info["signature"] = bytes([value[0] ^ 0x01]) + value[1:]
    (facts,) = cms_inspect(content_info.dump(force=True), CONTENT)
    assert not facts.intact
    assert facts.integrity_problem == "bad-signature-value"


def test_cms_with_a_swapped_certificate_is_not_intact() -> None:
    pki = make_pki("ec")
    content_info = asn1_cms.ContentInfo.load(
        cms_sign_detached(CONTENT, signer=pki.signer, timestamper=None)
    )
    impostor = asn1_x509.Certificate.load(_impostor(pki).public_bytes(serialization.Encoding.DER))
    signed_data = content_info["content"]
    signed_data["certificates"] = [
        impostor if choice.chosen.serial_number == pki.signer.certificate.serial_number else choice
        for choice in signed_data["certificates"]
    ]
    (facts,) = cms_inspect(content_info.dump(force=True), CONTENT)
    assert not facts.intact
    assert facts.integrity_problem == "signing-certificate-mismatch"


def test_cms_timestamp_of_another_signature_is_not_intact() -> None:
    pki = make_pki("ec")
    timestamper = pki.timestamper()
    donor = asn1_cms.ContentInfo.load(
        cms_sign_detached(b"other", signer=pki.signer, timestamper=timestamper)
    )
    content_info = asn1_cms.ContentInfo.load(
        cms_sign_detached(CONTENT, signer=pki.signer, timestamper=None)
    )
    signer_info = content_info["content"]["signer_infos"][0]
    signer_info["unsigned_attrs"] = donor["content"]["signer_infos"][0]["unsigned_attrs"]
    (facts,) = cms_inspect(content_info.dump(force=True), CONTENT)
    # The signature itself is fine; the token vouches for a different one.
    assert facts.intact
    assert facts.timestamp_intact is False
    assert facts.timestamp_time is not None


@pytest.mark.parametrize("data", [b"", b"hello", XML], ids=["empty", "text", "xml"])
def test_what_is_not_cms_raises_format_error(data: bytes) -> None:
    with pytest.raises(FormatError) as raised:
        cms_inspect(data, CONTENT)
    assert raised.value.code == "not-cms"
