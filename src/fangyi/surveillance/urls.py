from django.urls import path

from fangyi.surveillance import views

app_name = "surveillance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # The case pages come before the dashboard's `<str:code>/`, which would match "cases" too.
    path("cases/", views.case_list_view, name="case_list"),
    path("cases/new/", views.case_report_view, name="case_report"),
    path("cases/import/", views.case_import_view, name="case_import"),
    path("cases/import/<uuid:job_id>/", views.case_import_job_view, name="case_import_job"),
    path("cases/<uuid:case_id>/", views.case_detail_view, name="case_detail"),
    path("cases/<uuid:case_id>/confirm/", views.case_step_view, {"step": "confirm"}, name="case_confirm"),
    path("cases/<uuid:case_id>/exclude/", views.case_step_view, {"step": "exclude"}, name="case_exclude"),
    path("cases/<uuid:case_id>/severity/", views.case_step_view, {"step": "severity"}, name="case_severity"),
    path("cases/<uuid:case_id>/outcome/", views.case_step_view, {"step": "outcome"}, name="case_outcome"),
    path("response-levels/", views.response_levels_view, name="response_levels"),
    path("<str:code>/", views.dashboard, name="detail"),
    path("<str:code>/<slug:table>.csv", views.series_csv, name="series_csv"),
]
