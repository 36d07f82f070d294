from django.urls import path

from fangyi.labs import views

app_name = "labs"
urlpatterns = [
    path("", views.referral_list_view, name="referral_list"),
    path("referrals/<uuid:referral_id>/", views.referral_detail_view, name="referral_detail"),
    path("referrals/<uuid:referral_id>/close/", views.referral_close_view, name="referral_close"),
    path("referrals/<uuid:referral_id>/results/", views.result_report_view, name="result_report"),
]
