from django.urls import path

from fangyi.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
]
