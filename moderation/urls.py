from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<uuid:ending_id>/", views.case_page, name="case"),
    path("cases/<uuid:ending_id>/claim/", views.case_action, {"action": "claim"}, name="case_claim"),
    path("cases/<uuid:ending_id>/release/", views.case_action, {"action": "release"}, name="case_release"),
    path("cases/<uuid:ending_id>/assign/", views.case_action, {"action": "assign"}, name="case_assign"),
    path("cases/<uuid:ending_id>/review/", views.case_action, {"action": "review"}, name="case_review"),
    path("cases/<uuid:ending_id>/reveal/", views.case_action, {"action": "reveal"}, name="case_reveal"),
    path("conversations/<uuid:conversation_id>/", views.conversation_page, name="conversation"),
    path("conversations/<uuid:conversation_id>/reveal/", views.conversation_reveal, name="conversation_reveal"),
    path("flags/<int:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("export.csv", views.export_cases, name="export"),
    path("metrics/", views.metrics, name="metrics"),
    path("audit/", views.audit_log, name="audit"),
    path("policy/", views.policy_list, name="policy_list"),
    path("policy/new/", views.policy_new, name="policy_new"),
    path("policy/<int:number>/", views.policy_detail, name="policy_detail"),
    path("policy/<int:number>/edit/", views.policy_edit, name="policy_edit"),
    path("policy/<int:number>/backtest/", views.policy_backtest, name="policy_backtest"),
    path("policy/<int:number>/publish/", views.policy_publish, name="policy_publish"),
    path("policy/<int:number>/rollback/", views.policy_rollback, name="policy_rollback"),
    path("policy/backtests/<int:backtest_id>/", views.backtest_page, name="backtest"),
    path("policy/backtests/<int:backtest_id>/status/", views.backtest_status, name="backtest_status"),
]
