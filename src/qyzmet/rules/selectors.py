"""Reading published rules and kept decisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from qyzmet.rules.models import Decision, RuleVersion

_REFERENCE = re.compile(r"(?P<code>[-a-z0-9_]+)(?:@(?P<number>\d{1,9}))?")


class RuleNotFound(Exception):
    pass


def rule_version_get(code: str, number: int | None = None) -> RuleVersion:
    """A published version of the rule ``code``: ``number``, or the latest."""
    versions = RuleVersion.objects.select_related("rule").filter(rule__code=code)
    version = (
        versions.filter(number=number).first()
        if number is not None
        else versions.order_by("-number").first()
    )
    if version is None:
        which = f"version {number} of " if number is not None else ""
        raise RuleNotFound(f"{which}rule {code!r} is not published")
    return version


@dataclass(frozen=True)
class RuleText:
    """A rule to run: a published version, or a file not yet published."""

    label: str
    source: str
    version: RuleVersion | None


def rule_text_resolve(reference: str) -> RuleText:
    """``reference`` is a rule file, ``CODE`` (the latest version) or ``CODE@N``."""
    path = Path(reference)
    if path.suffix == ".rule" or path.is_file():
        try:
            return RuleText(f"{path.name} (not published)", path.read_text("utf-8"), None)
        except (OSError, UnicodeDecodeError) as error:
            raise RuleNotFound(f"cannot read {reference}: {error}") from error
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        raise RuleNotFound(f"{reference!r} is neither a rule file nor a rule code (CODE or CODE@N)")
    number = match["number"]
    version = rule_version_get(match["code"], int(number) if number else None)
    return RuleText(f"{version.rule.code} v{version.number}", version.source, version)


def rules_published() -> list[RuleVersion]:
    """The latest version of every published rule, by code."""
    latest: dict[str, RuleVersion] = {}
    for version in RuleVersion.objects.select_related("rule").order_by("rule__code", "number"):
        latest[version.rule.code] = version
    return list(latest.values())


def decision_get(public_id: UUID) -> Decision:
    return Decision.objects.select_related("rule_version__rule").get(public_id=public_id)
