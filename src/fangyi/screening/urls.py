from django.urls import path

from fangyi.screening import views

app_name = "screening"
urlpatterns = [
    path("", views.run_list_view, name="run_list"),
    path("runs/start/", views.run_start_view, name="run_start"),
    path("runs/<uuid:run_id>/", views.run_detail_view, name="run_detail"),
    path("risk-areas/", views.risk_area_list_view, name="risk_area_list"),
    path("risk-areas/add/", views.risk_area_create_view, name="risk_area_create"),
    path("risk-areas/<rowid:risk_area_id>/end/", views.risk_area_end_view, name="risk_area_end"),
    path("imports/", views.import_view, name="import"),
    path("imports/<uuid:job_id>/", views.import_job_view, name="import_job"),
    path("tasks/", views.task_list_view, name="task_list"),
    path("tasks/<uuid:task_id>/", views.task_detail_view, name="task_detail"),
    path("tasks/<uuid:task_id>/verify/", views.task_verify_view, name="task_verify"),
    path("progress/", views.progress_view, name="progress"),
]
