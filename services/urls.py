"""URLs of the staff side, under /staff/ (namespace ``services``)."""

from django.urls import path

from services import data_export_views as data_export
from services import registry_views as registers
from services import report_views as reports
from services import staff_signing_views as signing
from services import staff_views as views

app_name = "services"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/iin-check/", views.iin_check, name="iin-check"),
    path("desk/intake/<int:pk>/", views.intake, name="intake"),
    path("desk/receipt/<int:pk>.pdf", views.intake_receipt, name="intake-receipt"),
    path("requests/<int:pk>/", views.application_detail, name="application"),
    path("requests/<int:pk>/take/", views.take, name="take"),
    path("requests/<int:pk>/sign/", views.sign_result, name="sign-result"),
    path("requests/<int:pk>/refuse/", views.refuse, name="refuse"),
    # Signing in the browser through NCALayer: prepare, then post the signature.
    path("requests/<int:pk>/sign/prepare/", signing.result_prepare, name="sign-result-prepare"),
    path("requests/<int:pk>/sign/signed/", signing.result_signed, name="sign-result-signed"),
    path("requests/<int:pk>/refuse/prepare/", signing.refusal_prepare, name="refuse-prepare"),
    path("requests/<int:pk>/refuse/signed/", signing.refusal_signed, name="refuse-signed"),
    path("requests/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("requests/<int:pk>/issue/", views.issue, name="issue"),
    path("requests/<int:pk>/result.pdf", views.result_pdf, name="result-pdf"),
    path("requests/<int:pk>/result/revoke/", views.result_revoke, name="result-revoke"),
    path("queue/", views.queue, name="queue"),
    path("queue/take-next/", views.take_next, name="queue-take-next"),
    path("issuance/", views.issuance, name="issuance"),
    path("journal/", views.journal, name="journal"),
    path("journal.pdf", views.journal_pdf, name="journal-pdf"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("registers/", registers.register_list, name="registers"),
    path("registers/<int:pk>/close/", registers.register_entry_close_view, name="register-entry-close"),
    path("referrals/", registers.referral_list, name="referrals"),
    path("referrals/<int:pk>/outcome/", registers.referral_outcome_view, name="referral-outcome"),
    path("reports/", reports.report_page, name="reports"),
    path("reports/export.csv", reports.report_export_csv, name="reports-csv"),
    path("reports/export.xlsx", reports.report_export_xlsx, name="reports-xlsx"),
    path("applicants/<int:pk>/data-export/", data_export.staff_data_export, name="applicant-data-export"),
]
