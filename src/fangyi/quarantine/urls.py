from django.urls import path

from fangyi.quarantine import views

app_name = "quarantine"
urlpatterns = [
    path("", views.observation_list_view, name="observation_list"),
    path("observations/<uuid:period_id>/", views.observation_detail_view, name="observation_detail"),
    path(
        "observations/<uuid:period_id>/checkins/", views.observation_checkin_view, name="observation_checkin"
    ),
    path(
        "observations/<uuid:period_id>/release/", views.observation_release_view, name="observation_release"
    ),
    path("observations/<uuid:period_id>/end/", views.observation_end_view, name="observation_end"),
    path("alerts/", views.alert_list_view, name="alert_list"),
    path("alerts/<rowid:alert_id>/resolve/", views.alert_resolve_view, name="alert_resolve"),
    path("sites/", views.site_list_view, name="site_list"),
    path("sites/<rowid:site_id>/", views.site_update_view, name="site_update"),
    path("cases/<uuid:case_id>/contacts/", views.case_contacts_view, name="case_contacts"),
    path("graph/", views.graph_view, name="graph"),
    path("me/", views.my_observation_view, name="me"),
]
