from django.urls import path

from . import views_statements as views

urlpatterns = [
    path("statements/", views.statement_list, name="statement-list"),
    path("statements/new/", views.statement_create, name="statement-create"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement-detail"),
    *[
        path(
            f"statements/<int:statement_id>/{action}/",
            views.statement_action,
            {"action": action},
            name=f"statement-{action}",
        )
        for action in views.ACTIONS
    ],
    path(
        "statements/<int:statement_id>/invoices/", views.statement_invoice_add, name="statement-invoice-add"
    ),
    path(
        "statements/<int:statement_id>/deductions/",
        views.statement_deduction_add,
        name="statement-deduction-add",
    ),
    path("statements/<int:statement_id>/gather/", views.statement_gather, name="statement-gather"),
    path(
        "statements/<int:statement_id>/lines/<int:statement_line_id>/remove/",
        views.statement_line_remove,
        name="statement-line-remove",
    ),
    path("statements/<int:statement_id>/payment/", views.statement_pay, name="statement-pay"),
    path("statements/<int:statement_id>/hold/", views.statement_hold, name="statement-hold"),
    path("statements/<int:statement_id>/pdf/", views.statement_pdf_view, name="statement-pdf"),
    path("statements/<int:statement_id>/plan/", views.plan_detail, name="plan-detail"),
    path("statements/<int:statement_id>/plan/pdf/", views.plan_pdf, name="plan-pdf"),
    path("statements/<int:statement_id>/plan/csv/", views.plan_csv, name="plan-csv"),
    path("payments/", views.payment_list, name="payment-list"),
    path("credit-notes/", views.credit_note_list, name="credit-note-list"),
    path("credit-notes/<int:invoice_id>/cancel/", views.credit_note_cancel, name="credit-note-cancel"),
    path("credit-notes/<int:invoice_id>/refund/", views.credit_note_refund, name="credit-note-refund"),
]
