"""Everything qyzmet reads from the environment, in one place.

Settings are built from these values; nothing else in the code reads ``os.environ``.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(Exception):
    """The environment describes a configuration qyzmet cannot run with."""


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    secret_key: str
    debug: bool
    secure_cookies: bool
    # None: the master key lives in QYZMET_HOME/keys/master.key.
    master_key_file: Path | None
    # Where people and other systems reach this node (links in QR codes, certificates).
    public_url: str
    # An external RFC 3161 timestamp authority; empty: the platform's own.
    tsa_url: str
    # The OID of the policy the platform TSA issues time stamps under.
    tsa_policy_oid: str
    # A dotted path to a blob store class; empty: files under QYZMET_HOME/blobs.
    blob_store: str
    # A dotted path to the adapter that sends SMS and e-mail; empty: the local simulator.
    delivery_adapter: str
    # The exchange instance this node belongs to (the first part of every member identifier).
    exchange_instance: str
    # The state this node serves (ISO 3166-1 alpha-2): its name among partner states.
    country: str
    # The code of this node's mediator subsystem: unique per node, as other nodes register it.
    exchange_mediator: str
    # TLS terminators (IP addresses) trusted to pass a verified client certificate, and the
    # header they pass it in (URL-encoded PEM, as nginx's $ssl_client_escaped_cert).
    tls_proxies: tuple[str, ...]
    tls_client_header: str
    # The working-day calendar deadlines count in (YAML); empty: Kazakhstan's.
    holiday_calendar: str
    # Dotted paths to the SMS gateway and the payment provider adapters; empty: the simulators.
    sms_gateway: str
    payment_provider: str
    # An SMTP server for e-mail ("host:port"); empty: e-mails are written under
    # QYZMET_HOME/outbox/email/ instead of being sent.
    smtp_server: str
    # Admission control of unsafe API requests (docs/operations.md); 0 turns a limit off.
    admission_in_flight: int
    admission_rate: float
    admission_user_per_minute: int
    admission_backlog: int
    worker_niceness: int  # added to a worker's nice value: web requests come first
    payout_bank: str  # dotted path of the payout bank adapter; empty: the simulator
    # Dotted path of the register of convictions partner states' requests are answered
    # from (docs/crossborder.md); empty: the simulator.
    convictions_register: str
    ocid_prefix: str
    # The RSA key OpenID Connect ID tokens are signed with (PEM); created on first run.
    oidc_key_file: Path


def load_config(environ: dict[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    home = Path(env.get("QYZMET_HOME", "var")).resolve()
    database_url = env.get("QYZMET_DATABASE_URL") or f"sqlite:///{home / 'qyzmet.sqlite3'}"
    secret_key = env.get("QYZMET_SECRET_KEY") or _stored_secret_key(home)
    return Config(
        home=home,
        database_url=database_url,
        secret_key=secret_key,
        debug=_flag(env.get("QYZMET_DEBUG", "0")),
        # Behind TLS in production; `qyzmet demo` turns it off for plain HTTP on loopback.
        secure_cookies=_flag(env.get("QYZMET_SECURE_COOKIES", "1")),
        master_key_file=Path(env["QYZMET_MASTER_KEY_FILE"]).resolve()
        if env.get("QYZMET_MASTER_KEY_FILE")
        else None,
        public_url=env.get("QYZMET_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        tsa_url=env.get("QYZMET_TSA_URL", ""),
        # Under the IANA "example" enterprise arc: a deployment registers and sets its own.
        tsa_policy_oid=env.get("QYZMET_TSA_POLICY_OID", "1.3.6.1.4.1.32473.1.1"),
        blob_store=env.get("QYZMET_BLOB_STORE", ""),
        delivery_adapter=env.get("QYZMET_DELIVERY_ADAPTER", ""),
        exchange_instance=env.get("QYZMET_EXCHANGE_INSTANCE", "QZ"),
        country=env.get("QYZMET_COUNTRY", "KZ").upper(),
        exchange_mediator=env.get("QYZMET_EXCHANGE_MEDIATOR", "mediator"),
        tls_proxies=tuple(
            address.strip()
            for address in env.get("QYZMET_TLS_PROXIES", "").split(",")
            if address.strip()
        ),
        tls_client_header=env.get("QYZMET_TLS_CLIENT_HEADER", "X-Client-Certificate"),
        holiday_calendar=env.get("QYZMET_HOLIDAY_CALENDAR", ""),
        sms_gateway=env.get("QYZMET_SMS_GATEWAY", ""),
        payment_provider=env.get("QYZMET_PAYMENT_PROVIDER", ""),
        smtp_server=env.get("QYZMET_SMTP_SERVER", ""),
        admission_in_flight=int(_number(env, "QYZMET_ADMISSION_IN_FLIGHT", "8")),
        admission_rate=_number(env, "QYZMET_ADMISSION_RATE", "0"),
        admission_user_per_minute=int(_number(env, "QYZMET_ADMISSION_USER_PER_MINUTE", "60")),
        admission_backlog=int(_number(env, "QYZMET_ADMISSION_BACKLOG", "50000")),
        worker_niceness=int(_number(env, "QYZMET_WORKER_NICENESS", "10")),
        payout_bank=env.get("QYZMET_PAYOUT_BANK", ""),
        convictions_register=env.get("QYZMET_CONVICTIONS_REGISTER", ""),
        ocid_prefix=env.get("QYZMET_OCID_PREFIX", "ocds-qyzmet"),
        oidc_key_file=Path(env["QYZMET_OIDC_KEY_FILE"]).resolve()
        if env.get("QYZMET_OIDC_KEY_FILE")
        else home / "keys" / "oidc-rs256.pem",
    )


def _number(env: Mapping[str, str], name: str, default: str) -> float:
    """A non-negative number; whole where the caller takes ``int`` of it."""
    value = env.get(name, default)
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == math.inf:
        raise ConfigError(f"{name} must be a number, 0 or more, got {value!r}")
    return number


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _stored_secret_key(home: Path) -> str:
    """Read the secret key kept in QYZMET_HOME, creating it (mode 0600) on first run."""
    path = home / "secret.key"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def oidc_private_key(path: Path) -> str:
    """The PEM of the RSA key ID tokens are signed with, kept in a file (mode 0600) and
    created on first run: clients hold its public half (the JWKS), so a new key on every
    start would make them refuse every ID token signed before."""
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    return path.read_text()


def database_settings(url: str) -> dict[str, Any]:
    """Translate ``postgresql://user:pass@host:port/name`` or ``sqlite:///path`` for Django."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):  # sqlite:////abs/path
            path = path[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path.lstrip("/") if parts.netloc == "." else path,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        # No JIT: it spends a second or two compiling each chunk's statement of a mass
        # run (costly by estimate, done in about as long), and saves nothing on the short
        # statements of everything else (decisions/0011).
        options.setdefault("options", "-c jit=off")
        # Parameters are bound by the server, and a statement run five times on a
        # connection is prepared there: the API's hot paths are parsed and planned once per
        # connection, not at every request (decisions/0012). Behind a pooler in transaction
        # mode, add ?prepare_threshold=off to the URL.
        server_binding = options.pop("server_side_binding", "on") == "on"
        threshold = options.pop("prepare_threshold", "5")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "qyzmet",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                **options,
                "server_side_binding": server_binding,
                "prepare_threshold": None if threshold == "off" else int(threshold),
            },
        }
    raise ConfigError(
        f"QYZMET_DATABASE_URL must start with postgresql:// or sqlite:///, got {parts.scheme!r}"
    )
