from django.urls import path

from fangyi.labs import views

app_name = "labs"
urlpatterns = [
    path("", views.referral_list_view, name="referral_list"),
    path("referrals/<uuid:referral_id>/", views.referral_detail_view, name="referral_detail"),
    path("referrals/<uuid:referral_id>/close/", views.referral_close_view, name="referral_close"),
    path("referrals/<uuid:referral_id>/results/", views.result_report_view, name="result_report"),
    path("clinic/", views.clinic_view, name="clinic"),
    path("visits/<uuid:visit_id>/", views.visit_detail_view, name="visit_detail"),
    path("samples/", views.sample_list_view, name="sample_list"),
    path("samples/pools/", views.pool_create_view, name="pool_create"),
    path("samples/ship/", views.samples_ship_view, name="samples_ship"),
    path("samples/<str:barcode>/", views.sample_detail_view, name="sample_detail"),
    path("retests/<uuid:task_id>/sample/", views.retest_collect_view, name="retest_collect"),
    path("bench/", views.bench_view, name="bench"),
    path("bench/receive/", views.bench_receive_view, name="bench_receive"),
    path("bench/results/", views.bench_result_view, name="bench_result"),
    path("bench/import/", views.results_import_view, name="results_import"),
    path("bench/import/<uuid:job_id>/", views.results_import_job_view, name="results_import_job"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("laboratories/capacity/", views.laboratory_capacity_view, name="laboratory_capacity"),
]
