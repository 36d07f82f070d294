from django.urls import path

from fangyi.employment import views

app_name = "employment"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("jobs/<rowid:job_id>/", views.job_view, name="job"),
]
