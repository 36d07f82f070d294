from django.urls import path

from fangyi.hospitals import views

app_name = "hospitals"
urlpatterns = [
    path("", views.beds_view, name="beds"),
    path("<rowid:place_id>/", views.hospital_view, name="hospital"),
    path("<rowid:place_id>/wards/", views.ward_capacity_view, name="ward_capacity"),
    path("admissions/<uuid:admission_id>/", views.admission_view, name="admission"),
    path(
        "admissions/<uuid:admission_id>/<slug:action>/", views.admission_action_view, name="admission_action"
    ),
    path("consultations/", views.consultation_list_view, name="consultation_list"),
    path("consultations/<uuid:consultation_id>/", views.consultation_view, name="consultation"),
    path(
        "consultations/<uuid:consultation_id>/answer/", views.invitation_answer_view, name="invitation_answer"
    ),
    path(
        "consultations/<uuid:consultation_id>/<slug:action>/",
        views.consultation_action_view,
        name="consultation_action",
    ),
    path("experts/", views.experts_view, name="experts"),
    path("experts/groups/<uuid:group_id>/rota/", views.duty_assign_view, name="duty_assign"),
    path("experts/rota/<uuid:shift_id>/remove/", views.duty_remove_view, name="duty_remove"),
]
