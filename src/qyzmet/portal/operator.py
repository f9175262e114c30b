"""The operator's overview: is the platform healthy (checks, the task queue and the
workers' pace), how applications stand by agency, what the catalogue publishes, and who
may ask what of whom on the exchange. Server-rendered charts, no script."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from qyzmet.cases.models import CaseStatus
from qyzmet.cases.selectors import case_counts_by_status, open_cases_by_agency
from qyzmet.catalog.selectors import service_definition, services_current
from qyzmet.core import formatting
from qyzmet.core.doctor import run_checks
from qyzmet.core.worker import queue_health
from qyzmet.exchange.selectors import grants_active, member_name, members_summary
from qyzmet.identity.models import Account, AccountKind, Agency

GRANTS_SHOWN = 200


def _language() -> str:
    current = (get_language() or "kk")[:2]
    return current if current in ("kk", "ru", "en") else "kk"


def _health(language: str) -> dict[str, object]:
    health = queue_health()
    wait = health.oldest_wait
    return {
        "checks": run_checks(),
        "waiting": formatting.integer(health.waiting, language),
        "running": formatting.integer(health.running, language),
        "failed": formatting.integer(health.failed_last_day, language),
        "oldest_wait": _("%(minutes)d min") % {"minutes": wait.total_seconds() // 60}
        if wait is not None
        else "",
        "pace": formatting.bars(
            [(f"{timezone.localtime(start):%H:%M}", n) for start, n in health.finished_by_slot],
            language,
        ),
    }


def _applications(language: str) -> dict[str, object]:
    counts = case_counts_by_status()
    by_status = [(str(status.label).capitalize(), counts.get(status, 0)) for status in CaseStatus]
    names = {a.code: getattr(a, f"name_{language}") for a in Agency.objects.all()}
    return {
        "by_status": formatting.bars(by_status, language),
        "by_agency": [
            (names.get(code, code), formatting.integer(n, language),
             formatting.integer(late, language), late > 0)
            for code, (n, late) in sorted(open_cases_by_agency().items())
        ],
    }  # fmt: skip


@login_required
@never_cache
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, Account) or user.kind != AccountKind.OPERATOR:
        raise Http404
    language = _language()
    services = [
        (version, service_definition(version).name.get(language)) for version in services_current()
    ]
    grants = list(grants_active()[:GRANTS_SHOWN])
    return render(
        request,
        "portal/operator.html",
        {
            **_health(language),
            **_applications(language),
            "services": services,
            "members": [(s, member_name(s.member, language)) for s in members_summary()],
            "grants": grants,
            "grants_cut": len(grants) == GRANTS_SHOWN,
        },
    )
