from django.urls import path  # noqa: F401

from fangyi.vouchers import views  # noqa: F401

app_name = "vouchers"
urlpatterns: list = []
