"""RFC 3161 time stamps: the platform's own timestamp authority, or a configured one.

Signing code asks :func:`timestamper` for a pyHanko ``TimeStamper``. Without
``QYZMET_TSA_URL`` it is the platform TSA, in process; with it, an external TSA reached
over HTTP (a national TSA). The same platform TSA answers ``POST /trust/tsa``.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from pyhanko.sign import general
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from qyzmet.trust.authority import ca_certificate, chain_of, rsa_key_of
from qyzmet.trust.models import AnchorKind, Purpose
from qyzmet.trust.validation import certificate_check


class PlatformTimeStamper(DummyTimeStamper):
    """The platform TSA: pyHanko's in-process time-stamp builder with our policy and serials."""

    def __init__(
        self,
        *,
        key: rsa.RSAPrivateKey,
        tsa_cert: asn1_x509.Certificate,
        certs_to_embed: list[asn1_x509.Certificate],
    ) -> None:
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=certs_to_embed,  # type: ignore[arg-type]
        )
        self.key = key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        # pyHanko's own version reloads (and re-validates) the RSA key for every stamp,
        # about 35 ms; this is the same construction with the key loaded once.
        digest = hashes.Hash(_HASHES[md_algorithm])
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                _attribute("content_type", "tst_info"),
                _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                _attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                _attribute("message_digest", digest.finalize()),
            ]
        )
        value = self.key.sign(signed_attrs.dump(), padding.PKCS1v15(), _HASHES[md_algorithm])
        return value, signed_attrs

    def _build_tst_info(
        self, message_imprint: tsp.MessageImprint, dt: datetime, req: tsp.TimeStampReq
    ) -> tsp.TSTInfo:
        info = {
            "version": "v1",
            "policy": tsp.ObjectIdentifier(settings.QYZMET_TSA_POLICY_OID),
            "message_imprint": message_imprint,
            "serial_number": secrets.randbits(120),
            "gen_time": dt,
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.tsa_cert.subject),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        return tsp.TSTInfo(info)


def _attribute(kind: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": (value,)})


def platform_timestamper() -> PlatformTimeStamper:
    tsa = ca_certificate(Purpose.TIMESTAMPING)
    embedded = [asn1_x509.Certificate.load(bytes(tsa.der))] + [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in chain_of(tsa)
    ]
    return PlatformTimeStamper(
        key=rsa_key_of(tsa), tsa_cert=embedded[0], certs_to_embed=embedded[1:]
    )


def timestamper() -> TimeStamper:
    """The TSA signing code should use: an external one if configured, else the platform's."""
    url = settings.QYZMET_TSA_URL
    return HttpTimeStamper(url) if url else platform_timestamper()


class HttpTimeStamper(TimeStamper):
    """An external RFC 3161 TSA over HTTP(S), e.g. a national timestamp service."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(await asyncio.to_thread(self._post, req.dump()))

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url, data=body, headers={"Content-Type": "application/timestamp-query"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return bytes(response.read())


def tsa_respond(request_der: bytes) -> bytes:
    """Answer an RFC 3161 TimeStampReq (DER) with a TimeStampResp (DER)."""
    try:
        request = tsp.TimeStampReq.load(request_der)
        request.native  # noqa: B018 - parses fully, so bad input fails here
    except (ValueError, TypeError):
        return _rejection("bad_data_format")
    imprint = request["message_imprint"]
    hash_name = imprint["hash_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        return _rejection("bad_alg")
    if len(imprint["hashed_message"].native) != _HASHES[hash_name].digest_size:
        return _rejection("bad_data_format")
    response: tsp.TimeStampResp = platform_timestamper().request_tsa_response(request)
    return bytes(response.dump())


def _rejection(reason: str) -> bytes:
    # A rejection carries no token (RFC 3161 2.4.2), but asn1crypto's TimeStampResp cannot
    # be dumped without one: wrap the status in the SEQUENCE by hand.
    status = tsp.PKIStatusInfo({"status": "rejection", "fail_info": tsp.PKIFailureInfo({reason})})
    return bytes(core.Sequence(contents=status.dump()).dump())


def timestamp_token(data: bytes) -> bytes:
    """A time-stamp token (CMS ContentInfo, DER) over SHA-256 of ``data``, from the
    configured TSA (:func:`timestamper`). Must not be called from a running event loop."""
    digest = hashlib.sha256(data).digest()
    token: cms.ContentInfo = asyncio.run(timestamper().async_timestamp(digest, "sha256"))
    return bytes(token.dump())


def timestamp_time(token_der: bytes) -> datetime:
    """The time a token states (without checking it: see :func:`timestamp_inspect`)."""
    token = cms.ContentInfo.load(token_der)
    info = token["content"]["encap_content_info"]["content"].parsed
    at: datetime = info["gen_time"].native
    return at


def timestamp_inspect(token_der: bytes, data: bytes) -> TimestampFacts:
    """What a time-stamp token over ``data`` says, and whether it is intact.

    Intact means: the token's imprint is the digest of ``data``, its signed attributes
    bind the TSTInfo, and the TSA's signature over them verifies with the certificate
    the token names. Whether that TSA is trusted is for :mod:`qyzmet.trust.validation`.
    """
    token = cms.ContentInfo.load(token_der)
    signed = token["content"]
    info_bytes = signed["encap_content_info"]["content"].contents
    info = tsp.TSTInfo.load(info_bytes)
    imprint = info["message_imprint"]
    hash_name = imprint["hash_algorithm"]["algorithm"].native
    carried = [
        x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"] or []
    ]
    signer_info = signed["signer_infos"][0]
    serial = signer_info["sid"].chosen["serial_number"].native
    tsa = next((c for c in carried if c.serial_number == serial), None)
    intact = (
        tsa is not None
        and hash_name in _HASHES
        and imprint["hashed_message"].native == _digest(hash_name, data)
        and _signer_info_verifies(signer_info, info_bytes, tsa)
    )
    at: datetime = info["gen_time"].native
    if at.tzinfo is None:  # a GeneralizedTime without "Z" is no proof of any moment
        intact, at = False, at.replace(tzinfo=UTC)
    return TimestampFacts(time=at, tsa_certificate=tsa, carried=tuple(carried), intact=intact)


@dataclass(frozen=True)
class TimestampFacts:
    time: datetime
    tsa_certificate: x509.Certificate | None
    carried: tuple[x509.Certificate, ...]
    intact: bool


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def _digest(hash_name: str, data: bytes) -> bytes:
    digest = hashes.Hash(_HASHES[hash_name])
    digest.update(data)
    return digest.finalize()


def _signer_info_verifies(
    signer_info: cms.SignerInfo, content: bytes, certificate: x509.Certificate
) -> bool:
    hash_name = signer_info["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        return False
    attributes = signer_info["signed_attrs"]
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if digests != [_digest(hash_name, content)]:
        return False
    signed_bytes = attributes.untag().dump()
    value = signer_info["signature"].native
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, signed_bytes, padding.PKCS1v15(), _HASHES[hash_name])
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, signed_bytes, ec.ECDSA(_HASHES[hash_name]))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def timestamp_judge(
    *,
    intact: bool,
    time: datetime | None,
    tsa_certificate: x509.Certificate | None,
    carried: Sequence[x509.Certificate],
) -> tuple[datetime | None, str | None]:
    """The proven time of a time stamp, or the problem that keeps it from proving one.

    Proven means: the token is intact and its TSA certificate, allowed to time-stamp,
    chains to an active TSA entry of the trust list at that time.
    """
    if not intact or time is None or tsa_certificate is None:
        return None, "timestamp-damaged"
    check = certificate_check(
        tsa_certificate,
        at=time,
        carried=carried,
        anchor_kind=AnchorKind.TSA,
        usage=ExtendedKeyUsageOID.TIME_STAMPING,
    )
    return (time, None) if check.trusted else (None, "timestamp-untrusted")
