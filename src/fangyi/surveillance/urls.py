from django.urls import path

from fangyi.surveillance import views

app_name = "surveillance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<str:code>/", views.dashboard, name="detail"),
    path("<str:code>/<slug:table>.csv", views.series_csv, name="series_csv"),
]
