from django.urls import path

from fangyi.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("registry/", views.registry_view, name="registry"),
    *[
        path(
            f"registry/<rowid:volunteer_id>/qualification/{action}/",
            views.qualification_verify_view,
            {"approve": action == "approve"},
            name=f"qualification_{action}",
        )
        for action in ("approve", "refuse")
    ],
    path(
        "registry/<rowid:volunteer_id>/certificate/", views.certificate_issue_view, name="certificate_issue"
    ),
    path(
        "registry/<rowid:volunteer_id>/deactivate/",
        views.volunteer_deactivate_view,
        name="volunteer_deactivate",
    ),
    path("missions/", views.mission_list_view, name="missions"),
    path("missions/new/", views.mission_new_view, name="mission_new"),
    path("missions/<rowid:mission_id>/", views.mission_detail_view, name="mission"),
    *[
        path(
            f"missions/<rowid:mission_id>/{action}/",
            views.mission_action_view,
            {"action": action},
            name=f"mission_{action}",
        )
        for action in views.MISSION_ACTIONS
    ],
    path("missions/<rowid:mission_id>/signup/", views.signup_create_view, name="signup_create"),
    *[
        path(
            f"signups/<rowid:signup_id>/{action}/",
            views.signup_decide_view,
            {"assign": action == "assign"},
            name=f"signup_{action}",
        )
        for action in ("assign", "decline")
    ],
    path("signups/<rowid:signup_id>/withdraw/", views.signup_withdraw_view, name="signup_withdraw"),
    path("signups/<rowid:signup_id>/check-in/", views.check_in_view, name="check_in"),
    path("hours/<rowid:record_id>/check-out/", views.check_out_view, name="check_out"),
    *[
        path(
            f"hours/<rowid:record_id>/{action}/",
            views.hours_decide_view,
            {"approve": action == "approve"},
            name=f"hours_{action}",
        )
        for action in ("approve", "reject")
    ],
    path("me/", views.me_view, name="me"),
    path("me/qualification/", views.me_qualification_view, name="me_qualification"),
    path("hotline/", views.hotline_view, name="hotline"),
    path("hotline/shifts/<rowid:shift_id>/cancel/", views.shift_cancel_view, name="shift_cancel"),
    path("hotline/shifts/<rowid:shift_id>/sessions/", views.session_log_view, name="session_log"),
    path("certificates/<str:serial>/", views.certificate_verify_view, name="certificate"),
    path("certificates/<str:serial>/pdf/", views.certificate_pdf_view, name="certificate_pdf"),
]
