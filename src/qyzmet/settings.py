"""Django settings for qyzmet, built from :mod:`qyzmet.config` (the environment)."""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from qyzmet.config import database_settings, load_config, oidc_private_key

django_stubs_ext.monkeypatch()  # lets generic classes such as ModelAdmin[...] be subscripted

CONFIG = load_config()

BASE_DIR = Path(__file__).resolve().parent
QYZMET_HOME = CONFIG.home
QYZMET_MASTER_KEY_FILE = CONFIG.master_key_file
QYZMET_PUBLIC_URL = CONFIG.public_url
QYZMET_TSA_URL = CONFIG.tsa_url
QYZMET_TSA_POLICY_OID = CONFIG.tsa_policy_oid
QYZMET_BLOB_STORE = CONFIG.blob_store
QYZMET_DELIVERY_ADAPTER = CONFIG.delivery_adapter
QYZMET_SMS_GATEWAY = CONFIG.sms_gateway
QYZMET_PAYMENT_PROVIDER = CONFIG.payment_provider
if CONFIG.smtp_server:
    EMAIL_HOST, _colon, _port = CONFIG.smtp_server.partition(":")
    EMAIL_PORT = int(_port or 25)
else:  # offline: each e-mail is a file under QYZMET_HOME/outbox/email/
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = CONFIG.home / "outbox" / "email"
QYZMET_EXCHANGE_INSTANCE = CONFIG.exchange_instance
QYZMET_HOLIDAY_CALENDAR = CONFIG.holiday_calendar
QYZMET_EXCHANGE_MEDIATOR = CONFIG.exchange_mediator
# The state this node serves among partner states (docs/crossborder.md).
QYZMET_COUNTRY = CONFIG.country
QYZMET_TLS_PROXIES = CONFIG.tls_proxies
QYZMET_TLS_CLIENT_HEADER = CONFIG.tls_client_header
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "qyzmet.portal.admin_apps.QyzmetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves its API explorer's assets locally instead of from a CDN
    "oauth2_provider",
    "qyzmet.core",
    "qyzmet.identity",
    "qyzmet.registries",
    "qyzmet.trust",
    "qyzmet.exchange",
    "qyzmet.documents",
    "qyzmet.rules",
    "qyzmet.catalog",
    "qyzmet.messaging",
    "qyzmet.cases",
    "qyzmet.payments",
    "qyzmet.programmes",
    "qyzmet.crossborder",
    "qyzmet.procurement",
    "qyzmet.api",
    "qyzmet.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qyzmet.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "qyzmet.core.admission.AdmissionMiddleware",  # after the language, before everything else
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qyzmet.core.middleware.SessionRefreshMiddleware",  # inside SessionMiddleware
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qyzmet.core.idempotency.IdempotencyMiddleware",  # last: its transaction wraps the view
]

ROOT_URLCONF = "qyzmet.urls"
WSGI_APPLICATION = "qyzmet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_settings(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.Account"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:my-data"
LOGOUT_REDIRECT_URL = "portal:home"

# Hardened sessions: short-lived, HTTP-only, same-site; Secure cookies once served over TLS.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False  # core.middleware.SessionRefreshMiddleware renews
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "qyzmet_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "qyzmet_csrf"
CSRF_FAILURE_VIEW = "qyzmet.portal.views.csrf_failure"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CONFIG.secure_cookies
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "qyzmet_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served by the application itself (WhiteNoise), straight from the apps,
# so there is no STATIC_ROOT to collect into.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A task running longer than this (seconds) is taken to be abandoned by a worker on another
# host and is queued again (tasks are idempotent); on the same host a dead worker's tasks
# are queued again at once.
QYZMET_TASK_TIMEOUT = 600
# Workers run at a lower CPU priority than web processes on the same host: in a surge,
# applications are accepted first and processed as the CPU allows (0: the same priority).
QYZMET_WORKER_NICENESS = CONFIG.worker_niceness

# The banks mass payments go through (docs/programmes.md): a dotted path, or the simulator.
QYZMET_PAYOUT_BANK = CONFIG.payout_bank
QYZMET_CONVICTIONS_REGISTER = CONFIG.convictions_register
# Public procurement (docs/procurement.md): the prefix of the OCDS ids this platform
# publishes (a country registers its own with the Open Contracting Partnership), the agency
# that runs the platform (it seals bid receipts; its review body decides complaints), and
# each procedure's periods in seconds (the worker's timer moves tenders on).
QYZMET_OCID_PREFIX = CONFIG.ocid_prefix
QYZMET_PROCUREMENT_AGENCY = "finance"
_DAY = 24 * 3600
QYZMET_PROCUREMENT_PERIODS = {
    "open-tender": {"tendering": 15 * _DAY, "enquiries": 5 * _DAY, "standstill": 5 * _DAY},
    "price-quotation": {"tendering": 5 * _DAY, "enquiries": 0, "standstill": 3 * _DAY},
    "reverse-auction": {
        "tendering": 7 * _DAY, "enquiries": 3 * _DAY, "standstill": 5 * _DAY,
        "auction_round": 15 * 60, "auction_rounds": 3,
    },
    "single-source": {"tendering": 3 * _DAY, "enquiries": 0, "standstill": 0},
}  # fmt: skip

# How often the worker seals new audit entries, in seconds.
AUDIT_SEAL_INTERVAL = 10
# What the worker runs every AUDIT_SEAL_INTERVAL seconds, each a function that does one
# batch and returns None when nothing is left (named here: lower apps cannot import higher).
QYZMET_PERIODIC_JOBS = [
    "qyzmet.core.worker.tasks_requeue_abandoned",
    "qyzmet.core.worker.tasks_statistics_refresh",
    "qyzmet.core.worker.tasks_prune",
    "qyzmet.core.audit.audit_seal_pending",
    "qyzmet.exchange.evidence.exchange_seal_pending",
    "qyzmet.core.idempotency.idempotency_prune",
    "qyzmet.core.admission.admission_prune",
    "qyzmet.cases.services.cases_escalate_periodically",
    "qyzmet.messaging.services.notifications_resend_stuck_periodically",
    "qyzmet.programmes.services.events_offer",
    "qyzmet.programmes.services.offers_send_due",
    "qyzmet.programmes.services.payouts_advance",
    "qyzmet.crossborder.delivery.deliveries_resume",
    "qyzmet.procurement.awarding.tenders_advance",
]

# Surge-proof intake (docs/operations.md): limits on unsafe /api/v1 requests; 0 turns one off.
QYZMET_ADMISSION_IN_FLIGHT = CONFIG.admission_in_flight  # per web process
QYZMET_ADMISSION_RATE = CONFIG.admission_rate  # requests per second per web process
QYZMET_ADMISSION_USER_PER_MINUTE = CONFIG.admission_user_per_minute  # per credential
QYZMET_ADMISSION_BACKLOG = CONFIG.admission_backlog  # ready tasks before intake is refused
QYZMET_ADMISSION_INTAKE_PATHS = [r"^/api/v1/cases(/[^/]+/submit)?$"]

# The OAuth 2.0 / OpenID Connect provider (docs/channels.md, decisions/0013): a bank app or a
# bot acts for a citizen who consented, with the API scopes the citizen approved.
# Named, as a swappable model must be for a migration to refer to it (identity's connected apps).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key(CONFIG.oidc_key_file),
    "OAUTH2_VALIDATOR_CLASS": "qyzmet.identity.oauth.QyzmetValidator",
    "SCOPES_BACKEND_CLASS": "qyzmet.identity.oauth.ApiScopes",
    "DEFAULT_SCOPES": ["openid"],
    "APPLICATION_ADMIN_CLASS": "qyzmet.identity.admin.OAuthClientAdmin",
    # Prefixed, so TokenAuth knows which kind of token it was given without a query.
    "ACCESS_TOKEN_GENERATOR": "qyzmet.identity.oauth.access_token_generate",
    "REFRESH_TOKEN_GENERATOR": "qyzmet.identity.oauth.refresh_token_generate",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",  # the citizen sees what is asked every time
    "PKCE_REQUIRED": True,  # for confidential clients too
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Authorization code with PKCE (S256) and refresh only; tokens stored as SHA-256 only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"qyzmet": {"level": "INFO"}},
}
