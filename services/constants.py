"""Choices of the services app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """The application's states (DESIGN.md §4)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Documents being received")
    INTAKE_REFUSED = "intake_refused", _("Intake refused")
    REGISTERED = "registered", _("Registered")
    IN_REVIEW = "in_review", _("In review")
    RESULT_SIGNED = "result_signed", _("Result signed")
    REFUSAL_SIGNED = "refusal_signed", _("Refusal signed")
    ISSUED = "issued", _("Issued")


# The states of requests still being served: the dashboard counts these. A
# list of states to include (not to exclude) lets PostgreSQL read them from
# the (office, state, due) index instead of scanning every application.
LIVE_STATES = (
    State.RECEIVED,
    State.REGISTERED,
    State.IN_REVIEW,
    State.RESULT_SIGNED,
    State.REFUSAL_SIGNED,
)


class Channel(models.TextChoices):
    DESK = "desk", _("Chancellery")
    PORTAL = "portal", _("E-service portal")
    GATEWAY = "gateway", _("E-government gateway")


class GroundStage(models.TextChoices):
    """Paragraph 10 grounds refuse either the intake (before registration)
    or the service itself (after review)."""

    INTAKE = "intake", _("Refusal of intake")
    REVIEW = "review", _("Refusal of the service")


class ResultKind(models.TextChoices):
    """G5 and S1–S3: what the executor signs."""

    NOTIFICATION = "notification", _("Notification of registration as a job seeker")
    CERTIFICATE = "certificate", _("Certificate of registration as unemployed")
    REFERRAL_EMPLOYMENT = "referral_employment", _("Referral to employment")
    REFERRAL_YOUTH_PRACTICE = "referral_youth_practice", _("Referral to youth practice")
    REFERRAL_SOCIAL_JOBS = "referral_social_jobs", _("Referral to social jobs")
    REFERRAL_PUBLIC_WORKS = "referral_public_works", _("Referral to public works")
    REFUSAL = "refusal", _("Motivated refusal")


# States from which an application has a registration number.
NUMBERED_STATES = (
    State.INTAKE_REFUSED,
    State.REGISTERED,
    State.IN_REVIEW,
    State.RESULT_SIGNED,
    State.REFUSAL_SIGNED,
    State.ISSUED,
)
TAKEN_STATES = (State.IN_REVIEW, State.RESULT_SIGNED, State.REFUSAL_SIGNED, State.ISSUED)
REMOTE_CHANNELS = (Channel.PORTAL, Channel.GATEWAY)


# How the audit trail's actions read on a request's history.
ACTION_LABELS = {
    "receive": _("Intake started"),
    "checklist": _("Checklist recorded"),
    "create_draft": _("Draft created"),
    "submit": _("Submitted"),
    "register": _("Registered"),
    "refuse_intake": _("Intake refused"),
    "take": _("Taken for review"),
    "reassign": _("Reassigned"),
    "sign_result": _("Result signed"),
    "refuse": _("Refusal signed"),
    "deliver": _("Delivered electronically"),
    "issue": _("Issued"),
    "retention_purge": _("Files removed under the retention rule"),
    "data_export": _("Personal data exported"),
}
