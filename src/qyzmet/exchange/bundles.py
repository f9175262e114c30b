"""Evidence bundles: one exchange, exported so that anyone can verify it offline.

A bundle is a zip in a canonical form (fixed order, stored, fixed dates) holding:

- ``record.json``: the record's canonical content (its SHA-256 is the sealed digest);
- ``request.http`` and ``response.body`` when the service logs full bodies;
- ``seal.json``, ``seal.jws``, ``seal.tsr``: the batch seal's statement, its signature by
  the platform evidence seal, and the RFC 3161 time stamp over that signature;
- ``proof.json``: the record's leaf and the Merkle path from it to the sealed root;
- ``manifest.json`` and ``manifest.jws``: every file's SHA-256, signed at export.

:func:`bundle_verify` needs only the bundle and the platform's root certificates: no
database, no network. Any changed byte fails it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from qyzmet.core.sealing import leaf_pack, leaves_split, merkle_proof, merkle_root_from_proof
from qyzmet.exchange.evidence import record_content, record_digest, seal_statement
from qyzmet.exchange.models import ExchangeRecord, ExchangeSeal
from qyzmet.trust.authority import signing_identity
from qyzmet.trust.evidence import EVIDENCE_SUBJECT, evidence_certificate
from qyzmet.trust.jws import JwsError, canonical_json, jws_inspect, jws_sign
from qyzmet.trust.timestamps import timestamp_inspect

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# A seal is time-stamped as it is made; a larger gap means a seal time written by hand.
STAMP_DELAY = timedelta(minutes=10)
_ORDER = (
    "record.json",
    "request.http",
    "response.body",
    "seal.json",
    "seal.jws",
    "seal.tsr",
    "proof.json",
    "manifest.json",
    "manifest.jws",
)


class BundleNotReady(Exception):
    """The record is not sealed yet (seals are made every few seconds)."""


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in _ORDER:
            if name in files:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.external_attr = 0o644 << 16
                archive.writestr(info, files[name])
    return out.getvalue()


def bundle_export(record: ExchangeRecord, *, exported_by: str) -> bytes:
    """The evidence bundle of one sealed record."""
    seal = ExchangeSeal.objects.filter(
        after_record_id__lt=record.pk, last_record_id__gte=record.pk
    ).first()
    if seal is None:
        raise BundleNotReady(f"record {record.pk} is not sealed yet; try again in a few seconds")
    leaves = leaves_split(bytes(seal.leaves))
    leaf = leaf_pack(record.pk, record_digest(record))
    if leaf not in leaves:
        raise ValueError(f"record {record.pk} no longer matches its seal: run exchange verify")
    index = leaves.index(leaf)
    files = {
        "record.json": record_content(record),
        "seal.json": seal_statement(seal),
        "seal.jws": seal.jws.encode(),
        "seal.tsr": bytes(seal.timestamp_token),
        "proof.json": canonical_json(
            {"record_id": record.pk, "leaf_index": index, "path": merkle_proof(leaves, index)}
        ),
    }
    if record.request_body is not None:
        files["request.http"] = bytes(record.request_body)
    if record.response_body is not None:
        files["response.body"] = bytes(record.response_body)
    manifest = canonical_json(
        {
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "exported_by": exported_by,
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        }
    )
    files["manifest.json"] = manifest
    files["manifest.jws"] = jws_sign(
        manifest, signer=signing_identity(evidence_certificate())
    ).encode()
    return _zip(files)


@dataclass(frozen=True)
class BundleReport:
    problems: tuple[str, ...]
    record: dict[str, object]
    sealed_at: str
    existed_at: datetime | None
    sealed_by: str

    @property
    def valid(self) -> bool:
        return not self.problems


def _chains_to(
    certificate: x509.Certificate,
    carried: tuple[x509.Certificate, ...],
    roots: list[x509.Certificate],
    at: datetime,
) -> bool:
    """Whether the certificate chains to one of ``roots`` and every link is valid at ``at``."""
    current, pool = certificate, list(carried) + roots
    for _ in range(8):
        if not current.not_valid_before_utc <= at <= current.not_valid_after_utc:
            return False
        if current in roots:
            return True
        issuer = next(
            (
                c
                for c in pool
                if c.subject == current.issuer
                and c != current
                and _is_ca(c)
                and _issued(c, current)
            ),
            None,
        )
        if issuer is None:
            return False
        current = issuer
    return False


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _has_usage(certificate: x509.Certificate, usage: x509.ObjectIdentifier) -> bool:
    try:
        return usage in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        return False


def _issued(issuer: x509.Certificate, certificate: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


_REQUIRED = frozenset(
    {
        "record.json",
        "seal.json",
        "seal.jws",
        "seal.tsr",
        "proof.json",
        "manifest.json",
        "manifest.jws",
    }
)
_OPTIONAL = frozenset({"request.http", "response.body"})


def _failed(problem: str) -> BundleReport:
    return BundleReport((problem,), {}, "", None, "")


def _read(data: bytes) -> dict[str, bytes] | str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except (  # what a damaged zip makes the reader raise
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        KeyError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
        zlib.error,
    ) as error:
        return f"not a readable bundle: {error}"


def _object(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


def bundle_verify(data: bytes, roots: list[x509.Certificate]) -> BundleReport:
    """Verify a bundle offline against the given root certificates."""
    files = _read(data)
    if isinstance(files, str):
        return _failed(files)
    if not _REQUIRED <= set(files) <= _REQUIRED | _OPTIONAL:
        return _failed(f"the bundle does not hold the expected files: {sorted(files)}")
    problems: list[str] = []
    if _zip(files) != data:
        problems.append("the bundle file was altered (it is not in its exported form)")
    try:
        record, seal = _object(files["record.json"]), _object(files["seal.json"])
        proof, manifest = _object(files["proof.json"]), _object(files["manifest.json"])
        seal_jws, manifest_jws = (
            files["seal.jws"].decode("ascii"),
            files["manifest.jws"].decode("ascii"),
        )
        sealed_at = datetime.fromisoformat(seal["sealed_at"])
        exported_at = datetime.fromisoformat(manifest["exported_at"])
        listed = dict(manifest["files"])
        leaf = leaf_pack(int(proof["record_id"]), hashlib.sha256(files["record.json"]).hexdigest())
        root = merkle_root_from_proof(leaf, proof["path"])
    except (KeyError, ValueError, TypeError) as error:
        return BundleReport((*problems, f"a part is unreadable: {error}"), {}, "", None, "")
    if sealed_at.tzinfo is None or exported_at.tzinfo is None:
        return BundleReport((*problems, "a time has no time zone"), record, "", None, "")
    for name, content in files.items():
        if name not in {"manifest.json", "manifest.jws"} and listed.get(name) != _sha256(content):
            problems.append(f"{name} differs from the signed manifest")
    problems.extend(f"{name} is listed but missing" for name in set(listed) - set(files))
    existed_at = None
    try:
        stamp = timestamp_inspect(files["seal.tsr"], seal_jws.encode())
    except (ValueError, TypeError, KeyError):
        stamp = None
    if stamp is None or not stamp.intact or stamp.tsa_certificate is None:
        problems.append("the seal's time stamp does not verify")
    elif not (
        _has_usage(stamp.tsa_certificate, ExtendedKeyUsageOID.TIME_STAMPING)
        and _chains_to(stamp.tsa_certificate, stamp.carried, roots, stamp.time)
    ):
        problems.append("the seal's time stamp is not by a trusted timestamp authority")
    elif abs(stamp.time - sealed_at) > STAMP_DELAY:
        problems.append("the seal's time and its time stamp's time disagree")
    else:
        existed_at = stamp.time
    # The seal is judged as of its time stamp, the manifest as of its export.
    problems.extend(
        _signature_problems("seal", seal_jws, files["seal.json"], roots, existed_at or sealed_at)
    )
    problems.extend(
        _signature_problems("manifest", manifest_jws, files["manifest.json"], roots, exported_at)
    )
    if root != seal.get("merkle_root"):
        problems.append("the record is not in the sealed batch (Merkle proof fails)")
    for name, field in (("request.http", "request_hash"), ("response.body", "response_hash")):
        if name in files and _sha256(files[name]) != record.get(field):
            problems.append(f"{name} does not match the record's {field}")
    sealed_by = ""
    with contextlib.suppress(JwsError):
        signer = jws_inspect(seal_jws, files["seal.json"]).header.certificate
        sealed_by = signer.subject.rfc4514_string()
    return BundleReport(tuple(problems), record, str(seal["sealed_at"]), existed_at, sealed_by)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _signature_problems(
    what: str, token: str, payload: bytes, roots: list[x509.Certificate], at: datetime
) -> list[str]:
    try:
        facts = jws_inspect(token, payload)
    except JwsError as error:
        return [f"the {what} signature is unreadable: {error}"]
    if not facts.intact:
        return [f"the {what} signature does not match its content"]
    signer = facts.header.certificate
    names = signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if [n.value for n in names] != [EVIDENCE_SUBJECT]:
        return [f"the {what} is not signed by the platform evidence seal"]
    if not _chains_to(signer, facts.header.carried, roots, at):
        return [f"the {what} is not signed by a certificate of the given roots"]
    return []
