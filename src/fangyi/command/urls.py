from django.urls import path

from fangyi.command import views

app_name = "command"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("targets/<uuid:target_id>/", views.target_view, name="target"),
    path("targets/<uuid:target_id>/acknowledge/", views.target_acknowledge_view, name="target_acknowledge"),
    path("targets/<uuid:target_id>/report/", views.target_report_view, name="target_report"),
    path("targets/<uuid:target_id>/complete/", views.target_complete_view, name="target_complete"),
    path("directives/new/", views.directive_new_view, name="directive_new"),
    path("sent/", views.sent_view, name="sent"),
    path("directives/<uuid:directive_id>/", views.directive_detail_view, name="directive_detail"),
    path(
        "directives/<uuid:directive_id>/withdraw/", views.directive_withdraw_view, name="directive_withdraw"
    ),
    path(
        "directives/<uuid:directive_id>/files/<uuid:attachment_id>/",
        views.attachment_view,
        name="attachment",
    ),
    path("response/", views.response_levels_view, name="response_levels"),
    path("sitreps/", views.sitrep_list_view, name="sitrep_list"),
    path("sitreps/<str:region>/<str:date>/", views.sitrep_detail_view, name="sitrep_detail"),
    path("sitreps/<str:region>/<str:date>/pdf/", views.sitrep_pdf_view, name="sitrep_pdf"),
]
