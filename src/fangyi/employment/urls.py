from django.urls import path

from fangyi.employment import views

app_name = "employment"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("jobs/<rowid:job_id>/", views.job_view, name="job"),
    path("jobs/<rowid:job_id>/apply/", views.apply_view, name="apply"),
    path("me/", views.me_view, name="me"),
    path("applications/<rowid:application_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("applications/<rowid:application_id>/move/", views.application_move_view, name="move"),
    path("employer/", views.employer_view, name="employer"),
    path("employer/jobs/new/", views.job_new_view, name="job_new"),
    path("employer/jobs/<rowid:job_id>/", views.pipeline_view, name="pipeline"),
    path("employer/jobs/<rowid:job_id>/close/", views.job_close_view, name="job_close"),
    path("hires/", views.hires_view, name="hires"),
]
