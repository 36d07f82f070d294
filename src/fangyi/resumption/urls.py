from django.urls import path

from fangyi.resumption import views

app_name = "resumption"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("enterprises/", views.enterprise_list_view, name="enterprises"),
    path("enterprises/import/", views.enterprise_import_view, name="import"),
    path("enterprises/import/<uuid:job_id>/", views.enterprise_import_job_view, name="import_job"),
    path("enterprises/<rowid:enterprise_id>/", views.enterprise_view, name="enterprise"),
    *[
        path(
            f"enterprises/<rowid:enterprise_id>/{action.replace('_', '-')}/",
            views.enterprise_post_view,
            {"action": action},
            name=f"enterprise_{action}",
        )
        for action in views.ACTION_FORMS
    ],
    path(
        "enterprises/<rowid:enterprise_id>/liaisons/<rowid:assignment_id>/end/",
        views.liaison_end_view,
        name="liaison_end",
    ),
    path(
        "enterprises/<rowid:enterprise_id>/policy-applications/<rowid:application_id>/withdraw/",
        views.policy_withdraw_view,
        name="policy_withdraw",
    ),
    path("liaison/", views.liaison_home_view, name="liaison"),
    path("my/", views.my_view, name="my"),
    path("applications/", views.application_list_view, name="applications"),
    path(
        "applications/<rowid:application_id>/decide/",
        views.application_decide_view,
        name="application_decide",
    ),
    path("tickets/", views.ticket_list_view, name="tickets"),
    path("tickets/<rowid:ticket_id>/", views.ticket_view, name="ticket"),
    *[
        path(
            f"tickets/<rowid:ticket_id>/{action}/",
            views.ticket_post_view,
            {"action": action},
            name=f"ticket_{action}",
        )
        for action in views.TICKET_ACTIONS
    ],
    path("policies/", views.policy_list_view, name="policies"),
    path(
        "policy-applications/<rowid:application_id>/decide/", views.policy_decide_view, name="policy_decide"
    ),
]
