from django.urls import path

from fangyi.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.stock_board_view, name="board"),
    path("warehouses/<rowid:place_id>/", views.warehouse_view, name="warehouse"),
    *[
        path(
            f"warehouses/<rowid:place_id>/{action}/",
            views.warehouse_post_view,
            {"action": action},
            name=f"warehouse_{action}",
        )
        for action in views.LEDGER_FORMS
    ],
    path("production/", views.production_view, name="production"),
    path("requests/", views.request_list_view, name="requests"),
    path("requests/<uuid:request_id>/cancel/", views.request_cancel_view, name="request_cancel"),
    path("allocations/", views.allocation_list_view, name="allocations"),
    path("allocations/<uuid:run_id>/", views.allocation_detail_view, name="allocation"),
    path("shipments/", views.shipment_list_view, name="shipments"),
    path("shipments/new/", views.shipment_new_view, name="shipment_new"),
    path("shipments/<uuid:shipment_id>/", views.shipment_detail_view, name="shipment"),
    *[
        path(
            f"shipments/<uuid:shipment_id>/{action}/",
            views.shipment_move_view,
            {"action": action},
            name=f"shipment_{action}",
        )
        for action in ("dispatch", "deliver", "cancel")
    ],
    path("donations/", views.donation_list_view, name="donations"),
    path("transparency/", views.transparency_view, name="transparency"),
]
