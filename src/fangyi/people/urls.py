from django.urls import path

from fangyi.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("new/", views.person_register_view, name="register"),
    path("import/", views.import_view, name="import"),
    path("import/<uuid:job_id>/", views.import_job_view, name="import_job"),
    path("<uuid:person_id>/", views.person_detail_view, name="detail"),
    path("<uuid:person_id>/reveal/", views.person_reveal_view, name="reveal"),
]
