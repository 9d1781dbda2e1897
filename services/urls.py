"""URLs of the staff side, under /staff/ (namespace ``services``)."""

from django.urls import path

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
    path("requests/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("requests/<int:pk>/issue/", views.issue, name="issue"),
    path("queue/", views.queue, name="queue"),
    path("queue/take-next/", views.take_next, name="queue-take-next"),
    path("issuance/", views.issuance, name="issuance"),
    path("journal/", views.journal, name="journal"),
    path("journal.pdf", views.journal_pdf, name="journal-pdf"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
