"""The public catalogue on the portal: life situations first (what happened to you), then
every service by agency, a search that forgives typos and either alphabet, and a page for
each service and life situation with what it takes and what one gets."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from qyzmet.catalog.definitions import ServiceDefinition
from qyzmet.catalog.search import catalogue_search
from qyzmet.catalog.selectors import (
    NotInCatalogue,
    service_definition,
    service_version_get,
    services_current,
    situation_definition,
    situation_version_get,
    situations_current,
)
from qyzmet.core import formatting
from qyzmet.identity.models import Agency

MAX_QUERY = 100


def _language() -> str:
    current = (get_language() or "kk")[:2]
    return current if current in ("kk", "ru", "en") else "kk"


@dataclass(frozen=True)
class Card:
    kind: str  # service or situation
    code: str
    name: str
    summary: str


def situation_cards() -> list[Card]:
    """Every published life situation, in the reader's language."""
    language = _language()
    return [
        Card("situation", d.code, d.name.get(language), d.summary.get(language))
        for d in map(situation_definition, situations_current())
    ]


def _agency_names() -> dict[str, str]:
    field = f"name_{_language()}"
    return {a.code: getattr(a, field) for a in Agency.objects.all()}


@require_safe
def services_index(request: HttpRequest) -> HttpResponse:
    """``?q=`` searches; without it, life situations and then services by agency."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    language = _language()
    if query:
        hits = [
            Card(h.entry.kind, h.entry.code, h.entry.name.get(language),
                 h.entry.summary.get(language))
            for h in catalogue_search(query)
        ]  # fmt: skip
        found = ngettext(
            "%(count)d result for “%(query)s”", "%(count)d results for “%(query)s”", len(hits)
        ) % {"count": len(hits), "query": query}
        return render(request, "catalog/index.html", {"query": query, "hits": hits, "found": found})
    names = _agency_names()
    by_agency: dict[str, list[Card]] = {}
    for definition in map(service_definition, services_current()):
        if definition.opened_by != "applicant":
            continue
        by_agency.setdefault(names.get(definition.agency, definition.agency), []).append(
            Card("service", definition.code, definition.name.get(language),
                 definition.summary.get(language))
        )  # fmt: skip
    return render(
        request,
        "catalog/index.html",
        {"situations": situation_cards(), "agencies": sorted(by_agency.items())},
    )


def _service_facts(definition: ServiceDefinition) -> list[tuple[str, str]]:
    language = _language()
    days = definition.deadline_working_days
    deadline = (
        _("At once") if days == 0
        else ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}
    )  # fmt: skip
    fee = formatting.money(definition.fee, "KZT", language) if definition.fee else _("Free")
    facts = [
        (_("Provided by"), _agency_names().get(definition.agency, definition.agency)),
        (_("Takes"), deadline),
        (_("State fee"), fee),
    ]
    if definition.result is not None:
        facts.append((_("You receive"), definition.result.title.get(language)))
    return facts


@require_safe
def service_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        definition = service_definition(service_version_get(code))
    except NotInCatalogue:
        raise Http404 from None
    language = _language()
    return render(
        request,
        "catalog/service.html",
        {
            "code": definition.code,
            "name": definition.name.get(language),
            "summary": definition.summary.get(language),
            "help": definition.help.get(language) if definition.help else "",
            "facts": _service_facts(definition),
            "steps": [s.title.get(language) for s in definition.workflow],
            "asks": [ui.label.get(language) for ui in definition.form.ui.values()],
            "applicable": definition.opened_by == "applicant" and definition.applicant == "person",
        },
    )


@require_safe
def situation_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        definition = situation_definition(situation_version_get(code))
    except NotInCatalogue:
        raise Http404 from None
    language = _language()
    services = {d.code: d for d in map(service_definition, services_current())}
    steps = []
    for step in definition.steps:
        service = services.get(step.service)
        if service is not None:
            steps.append(
                Card("service", service.code, service.name.get(language),
                     service.summary.get(language))
            )  # fmt: skip
    return render(
        request,
        "catalog/situation.html",
        {
            "code": definition.code,
            "name": definition.name.get(language),
            "summary": definition.summary.get(language),
            "help": definition.help.get(language) if definition.help else "",
            "steps": steps,
        },
    )
