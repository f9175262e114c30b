from django.urls import path

from qyzmet.cases import office, pages

app_name = "cases"

urlpatterns = [
    path("my/cases/", pages.my_cases, name="my"),
    path("my/cases/start/<slug:code>/", pages.case_start, name="start"),
    path("my/cases/<uuid:case_id>/", pages.case_page, name="case"),
    path("my/cases/<uuid:case_id>/check/", pages.case_check, name="check"),
    path("my/cases/<uuid:case_id>/fee/", pages.case_fee, name="fee"),
    path("my/cases/<uuid:case_id>/submit/", pages.case_submit, name="submit"),
    path("my/cases/<uuid:case_id>/answer/", pages.case_answer, name="answer"),
    path("my/cases/<uuid:case_id>/withdraw/", pages.case_withdraw, name="withdraw"),
    path("my/situations/start/<slug:code>/", pages.situation_start, name="situation-start"),
    path("my/situations/<uuid:situation_id>/", pages.situation_page, name="situation"),
    path("office/", office.queue, name="office-queue"),
    path("office/cases/<uuid:case_id>/", office.office_case, name="office-case"),
    path("office/cases/<uuid:case_id>/<slug:action>/", office.office_act, name="office-act"),
]
