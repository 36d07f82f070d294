from django.urls import URLPattern

app_name = "quarantine"

urlpatterns: list[URLPattern] = []
