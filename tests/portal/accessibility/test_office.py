"""The back office: the officers' queue, the operator's pages and the second step of a
staff login, in real Chromium: see ``pages.page_type_check`` for what each must pass."""

from __future__ import annotations

import pytest

from tests.portal.accessibility.pages import OFFICE, Visit, page_type_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("visit", OFFICE, indirect=True, ids=str)
def test_page_type(visit: Visit) -> None:
    page_type_check(visit)
