from django.urls import path

from fangyi.vouchers import views

app_name = "vouchers"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("mine/", views.mine_view, name="mine"),
    path("programs/", views.programs_view, name="programs"),
    path("programs/<rowid:program_id>/", views.program_view, name="program"),
    path("programs/<rowid:program_id>/claim/", views.claim_view, name="claim"),
    path("programs/<rowid:program_id>/lottery/enter/", views.lottery_enter_view, name="lottery_enter"),
    path("programs/<rowid:program_id>/lottery/draw/", views.lottery_draw_view, name="lottery_draw"),
    path("programs/<rowid:program_id>/eligibility/", views.eligibility_view, name="eligibility"),
    *[
        path(
            f"programs/<rowid:program_id>/{action}/",
            views.program_action_view,
            {"action": action},
            name=f"program_{action}",
        )
        for action in views.PROGRAM_ACTIONS
    ],
    path("shop/", views.shop_view, name="shop"),
    path("shop/<rowid:merchant_id>/redeem/", views.redeem_view, name="redeem"),
    path("redemptions/<rowid:redemption_id>/refund/", views.refund_view, name="refund"),
    path("merchants/", views.merchants_view, name="merchants"),
    path("merchants/<rowid:merchant_id>/review/", views.merchant_review_view, name="merchant_review"),
    path("flags/", views.flags_view, name="flags"),
    path("flags/<rowid:flag_id>/review/", views.flag_review_view, name="flag_review"),
    path("stats/", views.stats_view, name="stats"),
]
