"""The operator's overview: for operators only; it shows the checks, the queue, the
applications by agency, the catalogue and the exchange's grants."""

from __future__ import annotations

import pytest
from django.conf import settings

from qyzmet.cases.models import Case, CaseStatus
from qyzmet.cases.services import case_open
from qyzmet.identity.models import Agency
from tests.api.world import exchange_build
from tests.conftest import Persona
from tests.exchange.world import BENEFITS


@pytest.mark.usefixtures("published")
def test_the_operator_sees_the_platform_at_a_glance(
    operator: Persona, citizen_a: Persona, agencies: dict[str, Agency]
) -> None:
    assert citizen_a.account is not None
    case = case_open(account=citizen_a.account, service="birth-registration")
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.IN_PROGRESS, queue_agency=agencies["justice"], deadline="2020-01-01"
    )
    exchange_build()
    operator.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = operator.client.get("/operator/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tasks waiting" in html
    assert "birth-registration" in html  # the catalogue
    assert 'Ministry of Justice</th><td class="num">1</td><td class="num sla-overdue">1' in html
    assert f"<td>{BENEFITS}</td>" in html  # a grant of the exchange


def test_only_operators_see_the_overview(
    citizen_a: Persona, officer_x: Persona, anonymous: Persona
) -> None:
    assert citizen_a.client.get("/operator/").status_code == 404
    assert officer_x.client.get("/operator/").status_code == 404
    assert anonymous.client.get("/operator/")["Location"].startswith("/login/")
