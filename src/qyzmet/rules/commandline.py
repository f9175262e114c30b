"""What the ``qyzmet rules`` commands share: loading a rule and saying what is wrong."""

from __future__ import annotations

from django.core.management.base import CommandError

from qyzmet.rules.checker import CheckedRule, rule_check
from qyzmet.rules.selectors import RuleNotFound, RuleText, rule_text_resolve
from qyzmet.rules.syntax import RuleError


def rule_refused(error: RuleError, name: str = "") -> CommandError:
    """``FILE:LINE:COLUMN: message`` and the line with carets under the fault."""
    where = f"{name}:{error.line}:{error.column}" if name else str(error).split(":")[0]
    return CommandError(f"{where}: {error.message}\n{error.pointer()}")


def rule_load(reference: str) -> tuple[RuleText, CheckedRule]:
    """The rule a command names (a file, CODE or CODE@N), checked."""
    try:
        text = rule_text_resolve(reference)
    except RuleNotFound as error:
        raise CommandError(str(error)) from error
    try:
        return text, rule_check(text.source)
    except RuleError as error:
        raise rule_refused(error, reference if text.version is None else text.label) from error
