"""The ``qyzmet`` command.

Every subcommand is a Django management command, so ``qyzmet X`` and ``qyzmet manage X``
behave the same and the commands can be called from tests with ``call_command``.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: qyzmet COMMAND [options]

  demo [--port 8000] [--persons 10000] [--reset]
                        run the whole platform with a synthetic population
  serve [--host H] [--port P] [--threads N] [--processes N]
                        serve the portal and API (no background work)
  worker                run background tasks and seal the audit trail
  migrate               create or update the database schema
  doctor                check database, migrations, worker and keys
  registry generate --persons N [--seed S]
                        generate a synthetic population into the registries
  audit verify          check the audit trail; names any tampered entry
  audit seal            seal the audit entries written since the last seal
  trust init [--algorithm ecdsa-p256|rsa-2048|ed25519]
                        create the platform CAs, timestamp authority and OCSP responder
  trust roots | import FILE --name N | distrust SHA256 | revoke SERIAL
                        show and manage the trust list; revoke a certificate
  trust certify-system --agency CODE --csr FILE --out FILE
                        certify an agency system's own key (PKCS#10 request)
  documents verify FILE [--content FILE] [--language kk|ru|en]
                        verify a signed PDF, XML, JSON or detached CMS signature
  documents export --iin IIN --out DIR
                        export one person's documents with a manifest
  exchange init          make agencies members, publish registry services, add a mediator
  exchange member --class GOV|COM|NGO --code BIN --name N
  exchange subsystem ID [--address URL] [--mediator] [--certificate FILE]
  exchange certify ID --csr FILE --out FILE
  exchange service ID --title-kk T --title-ru T --title-en T [--consent-required]
  exchange grant CLIENT SERVICE --purpose P [--purpose P] | revoke CLIENT SERVICE
  exchange mediator [--out FILE]
                        manage members, services and grants of the exchange
  exchange seal | verify
                        seal the exchange log; check it, naming any tampered record
  exchange export MESSAGE_ID --out FILE | bundle-verify FILE --roots FILE
                        export one exchange as an evidence bundle; verify one offline
  rules check FILE... | publish FILE... [--code C] | list
                        type-check and publish eligibility rules
  rules explain RULE --iin IIN [--on DATE] [--language kk|ru|en] [--record]
                [--through CLIENT --purpose P [--issue I]]
                        decide a rule for one person and say why
  rules count RULE [--on DATE] [--sql]
                        count everyone who qualifies, in one SQL query
  rules replay DECISION [--language kk|ru|en]
                        evaluate a kept decision again and explain it
  catalog check DIR | load [DIR] | list [--agency CODE]
                        check and publish services and life situations written as YAML
  programme load [DIR] | run CODE [--resume] [--on DATE] | status CODE
            | pause CODE [--resume]
                        load programmes; run a mass programme (resumable); see it; pause it
  crossborder partner CC --name N --endpoint URL --organisation ID --trust-list FILE
                [--document-type T]... [--exchange-client ID] | trust-list --out FILE
                        join a partner state's node; write this node's trust list
  crossborder send --to CC --type T (--case N | --national-id ID --first-month M
                --last-month M | --file F...)
  crossborder status [MESSAGE_ID [--evidence FILE]] [--send-now [CC]]
  crossborder verify FILE --country CC [--language kk|ru|en] [--report FILE]
                        send to partner states; see the journal; check a foreign signature
  procurement export [--out FILE] [--uri URI] | advance
            | unreliable BIN --until DATE --reason TEXT
                        every OCDS release as one package; move tenders on; debar a supplier
  procurement opening-key --out FILE | share-open --key FILE --share B64 --context C
                        a committee member's own key pair; open their share (their device)
  oauth register --name N --redirect-uri URI [--redirect-uri URI] [--public]
                        register a bank app or bot as an OAuth client (docs/channels.md)
  manage ARGS...        any Django management command

Configuration comes from the environment: QYZMET_DATABASE_URL, QYZMET_HOME,
QYZMET_SECRET_KEY, QYZMET_DEBUG, QYZMET_PUBLIC_URL and more (see docs/operations.md).
"""

# `qyzmet <group> <verb>` → management command `<group>_<verb>`.
GROUPS = {
    "registry": {"generate"},
    "audit": {"verify", "seal"},
    "trust": {"init", "roots", "import", "distrust", "revoke", "certify-system"},
    "documents": {"verify", "export"},
    "exchange": {
        "init", "member", "subsystem", "certify", "service", "grant", "revoke", "mediator",
        "seal", "verify", "export", "bundle-verify",
    },
    "crossborder": {"partner", "trust-list", "send", "status", "verify"},
    "procurement": {"export", "opening-key", "share-open", "unreliable", "advance"},
    "rules": {"check", "publish", "list", "explain", "count", "replay"},
    "catalog": {"check", "load", "list"},
    "programme": {"load", "run", "status", "pause"},
    "oauth": {"register"},
}  # fmt: skip
SINGLE = {"demo", "serve", "worker", "migrate", "doctor"}


def django_argv(argv: list[str]) -> list[str] | None:
    """The management-command argv for a qyzmet argv; None when it is not a command."""
    if not argv:
        return None
    command, rest = argv[0], argv[1:]
    if command == "manage":
        return rest or ["help"]
    if command in SINGLE:
        return [command, *rest]
    verbs = GROUPS.get(command)
    if verbs and rest and rest[0] in verbs:
        return [f"{command}_{rest[0].replace('-', '_')}", *rest[1:]]
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    translated = django_argv(args)
    if translated is None:
        stream = sys.stdout if args[:1] in (["-h"], ["--help"], ["help"]) else sys.stderr
        stream.write(USAGE)
        return 0 if stream is sys.stdout else 2
    if translated[0] == "demo":
        # The demo serves plain HTTP on loopback, where Secure cookies would not be sent.
        os.environ.setdefault("QYZMET_SECURE_COOKIES", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["qyzmet", *translated])
    return 0


if __name__ == "__main__":
    sys.exit(main())
