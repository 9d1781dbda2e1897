"""The service catalogue, paragraph-9 documents, paragraph-10 grounds, and
applications with their state machine (DESIGN.md §4) and step records (G2).

Transitions are ``@transition`` methods here; they check and change the
state only. Saving, locking, numbering, step clocks and the audit trail are
the job of ``services.services`` — the one door to every transition.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from applicants.models import Applicant
from registry.constants import MeasureKind
from reglament.constants import ProcedureCode, ServiceCode
from reglament.localized import LocalizedName
from reglament.models import Office, Procedure, ReglamentVersion
from services.constants import (
    NUMBERED_STATES,
    REMOTE_CHANNELS,
    TAKEN_STATES,
    Channel,
    GroundStage,
    ResultKind,
    State,
)

if TYPE_CHECKING:
    from applicants.models import User


class Service(LocalizedName):
    """One of the three services (S1–S3). Its rules live in its reglament."""

    code = models.CharField(_("code"), max_length=2, choices=ServiceCode.choices, unique=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=100, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=100, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RequiredDocument(LocalizedName):
    """A document of paragraph 9 of the Standard for one service (editable)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="documents"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    expires = models.BooleanField(
        _("has an expiry date"),
        default=False,
        help_text=_(
            "The clerk records its expiry date; an expired one refuses intake where the reglament says so."
        ),
    )
    measure_kind = models.CharField(
        _("only for the measure"),
        max_length=16,
        choices=MeasureKind.choices,
        blank=True,
        help_text=_("S3: required only for this kind of referral."),
    )
    note_ru = models.CharField(_("note (Russian)"), max_length=300, blank=True)
    note_kk = models.CharField(_("note (Kazakh)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["service", "order"]

    def __str__(self) -> str:
        return f"{self.service.code}: {self.name}"


class RefusalGround(LocalizedName):
    """A ground of paragraph 10 of the Standard (editable), with its legal reference."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    stage = models.CharField(_("stage"), max_length=16, choices=GroundStage.choices)
    services = models.ManyToManyField(Service, verbose_name=_("services"), related_name="grounds")
    legal_reference_ru = models.CharField(_("legal reference (Russian)"), max_length=300)
    legal_reference_kk = models.CharField(_("legal reference (Kazakh)"), max_length=300, blank=True)
    legal_reference_en = models.CharField(_("legal reference (English)"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("refusal ground")
        verbose_name_plural = _("refusal grounds")
        ordering = ["stage", "code"]

    def __str__(self) -> str:
        return self.name


# --- transition permissions and conditions -------------------------------
# A permission is checked against the acting user; a condition against the
# application alone. Both are evaluated by django-fsm's has_transition_perm
# and can_proceed, which the service layer calls before every transition.


def _office_staff_with(perm: str) -> Any:
    def check(instance: Application, user: User) -> bool:
        if not (user.is_active and user.has_perm(f"services.{perm}")):
            return False
        return user.office_id == instance.office_id or user.has_perm("services.act_in_any_office")

    check.__name__ = f"office_staff_with_{perm}"
    return check


def _owner_or_gateway(instance: Application, user: User) -> bool:
    if not user.is_active:
        return False
    if user.has_perm("services.submit_via_gateway"):
        return True
    return instance.applicant.user_id == user.pk


def _taking_executor(instance: Application, user: User) -> bool:
    """Only the executor who took a request may sign it."""
    return (
        _office_staff_with("sign_result")(instance, user)
        and instance.executor_id is not None
        and instance.executor_id == user.pk
    )


def _is_remote(instance: Application) -> bool:
    return instance.channel in REMOTE_CHANNELS


def _is_desk(instance: Application) -> bool:
    return instance.channel == Channel.DESK


def _reglament_allows_portal(instance: Application) -> bool:
    """S2 is served at the chancellery only: its reglament has no portal channel."""
    return instance.reglament_version.via_portal


def _is_signed(instance: Application) -> bool:
    return bool(instance.request_signature)


def _has_executor(instance: Application) -> bool:
    return instance.executor_id is not None


def _has_review_ground(instance: Application) -> bool:
    return (
        instance.refusal_ground is not None
        and instance.refusal_ground.stage == GroundStage.REVIEW
        and bool(instance.refusal_reason.strip())
    )


def _has_intake_ground(instance: Application) -> bool:
    return (
        instance.refusal_ground is not None
        and instance.refusal_ground.stage == GroundStage.INTAKE
        and bool(instance.refusal_reason.strip())
    )


def _has_result(instance: Application) -> bool:
    return bool(instance.result_text.strip())


class Application(FSMModelMixin, models.Model):
    """A request for one service by one applicant at one office."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="applications"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        Applicant,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT, protected=True)
    reglament_version = models.ForeignKey(
        ReglamentVersion,
        verbose_name=_("governing reglament"),
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("L1: the version in force on the day the application was registered."),
    )
    number = models.CharField(_("registration number"), max_length=32, unique=True, null=True, blank=True)
    number_year = models.PositiveSmallIntegerField(_("registration year"), null=True, blank=True)
    number_seq = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    measure_kind = models.CharField(
        _("kind of measure"), max_length=16, choices=MeasureKind.choices, blank=True
    )
    data = models.JSONField(_("request data"), default=dict, blank=True)
    request_signature = models.BinaryField(
        _("request signature (CMS)"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The key of the desk form that started this intake: a double-clicked or
    # replayed *Start intake* finds the application it made (issue 6).
    intake_key = models.UUIDField(_("intake form key"), null=True, blank=True, unique=True, editable=False)
    registered_at = models.DateTimeField(_("registration time"), null=True, blank=True)
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taken_applications",
    )
    result_text = models.TextField(_("result"), blank=True)
    refusal_ground = models.ForeignKey(
        RefusalGround,
        verbose_name=_("refusal ground"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    due_at = models.DateTimeField(
        _("current step due"),
        null=True,
        blank=True,
        help_text=_("When the step under way is due; kept with the step records for fast queues."),
    )
    decided_at = models.DateTimeField(_("decision time"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issue time"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [
            ("register_application", _("Can receive and register applications")),
            ("refuse_intake", _("Can refuse intake")),
            ("take_application", _("Can take applications for review")),
            ("sign_result", _("Can sign results and refusals")),
            ("issue_result", _("Can issue results")),
            ("reassign_application", _("Can reassign applications")),
            ("act_in_any_office", _("Can act on applications of any office")),
            ("submit_via_gateway", _("Can submit applications through the gateway")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=NUMBERED_STATES) | Q(number__isnull=False),
                name="application_numbered_once_registered",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=TAKEN_STATES) | Q(executor__isnull=False),
                name="application_taken_has_executor",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[State.REFUSAL_SIGNED, State.INTAKE_REFUSED])
                | Q(refusal_ground__isnull=False),
                name="application_refusal_has_ground",
            ),
            models.CheckConstraint(
                condition=Q(channel=Channel.DESK) | ~Q(state__in=[State.RECEIVED, State.INTAKE_REFUSED]),
                name="application_desk_states_only_at_desk",
            ),
            models.UniqueConstraint(
                fields=["office", "number_year", "number_seq"],
                name="application_number_unique_per_office_and_year",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "state", "due_at", "id"], name="application_queue_idx"),
            models.Index(fields=["office", "issued_at", "id"], name="application_journal_idx"),
            models.Index(fields=["executor", "state"]),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    # --- the state machine (DESIGN.md §4) --------------------------------

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        conditions=[_is_remote, _reglament_allows_portal, _is_signed],
        permission=_owner_or_gateway,
    )
    def submit(self) -> None:
        """P5–P8: a signed request arrives from the portal or the gateway."""

    @transition(
        field=state,
        source=[State.RECEIVED, State.SUBMITTED],
        target=State.REGISTERED,
        permission=_office_staff_with("register_application"),
    )
    def register(self, *, number: str, year: int, seq: int, at: Any) -> None:
        self.number, self.number_year, self.number_seq = number, year, seq
        self.registered_at = at

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.INTAKE_REFUSED,
        conditions=[_is_desk, _has_intake_ground],
        permission=_office_staff_with("refuse_intake"),
    )
    def refuse_intake(self, *, number: str, year: int, seq: int, at: Any) -> None:
        """Refusal of intake: only before registration, with its own number."""
        self.number, self.number_year, self.number_seq = number, year, seq
        self.decided_at = at

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.IN_REVIEW,
        permission=_office_staff_with("take_application"),
    )
    def take(self, *, executor: User) -> None:
        self.executor = executor

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.IN_REVIEW,
        conditions=[_has_executor],
        permission=_office_staff_with("reassign_application"),
    )
    def reassign(self, *, executor: User) -> None:
        self.executor = executor

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.RESULT_SIGNED,
        conditions=[_has_result],
        permission=_taking_executor,
    )
    def prepare_result(self, *, at: Any) -> None:
        self.decided_at = at

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.REFUSAL_SIGNED,
        conditions=[_has_review_ground],
        permission=_taking_executor,
    )
    def refuse(self, *, at: Any) -> None:
        self.decided_at = at

    @transition(
        field=state,
        source=[State.RESULT_SIGNED, State.REFUSAL_SIGNED],
        target=State.ISSUED,
        permission=_office_staff_with("issue_result"),
    )
    def issue(self, *, at: Any) -> None:
        self.issued_at = at


class StepRecord(models.Model):
    """The clock of one procedure of G2 for one application."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="steps"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("step"), max_length=16, choices=ProcedureCode.choices)
    performer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    norm_minutes = models.PositiveIntegerField(_("norm, working minutes"))
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["application", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="step_record_one_per_procedure"),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("started_at")), name="step_record_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="step_record_finishes_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["code", "finished_at", "due_at"]),
            # The dashboard's overdue list: open steps in due order, so the
            # page reads the 50 most overdue and stops (docs/benchmarks.md).
            models.Index(
                fields=["due_at", "id"],
                condition=Q(finished_at__isnull=True),
                name="step_record_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.code}"

    @property
    def overdue(self) -> bool:
        return (self.finished_at or timezone.now()) > self.due_at


class RegistrationCounter(models.Model):
    """The last number given in an office in a year. Locked row per number:
    numbers never repeat and never skip."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("registration counter")
        verbose_name_plural = _("registration counters")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year"], name="registration_counter_one_per_office_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office.code}-{self.year}: {self.last_number}"


def _scan_path(instance: PresentedDocument, filename: str) -> str:
    # Random names: what the applicant called the file never reaches the disk.
    return f"scans/{instance.application_id}/{uuid.uuid4().hex}"


class PresentedDocument(models.Model):
    """One line of the paragraph-9 checklist of an application."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="presented_documents",
    )
    document = models.ForeignKey(
        RequiredDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    presented = models.BooleanField(_("presented"), default=False)
    number = models.CharField(_("document number"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    scan = models.FileField(_("scanned copy"), upload_to=_scan_path, blank=True)
    scan_sha256 = models.CharField(_("SHA-256 of the scan"), max_length=64, blank=True)
    scan_removed_at = models.DateTimeField(
        _("scan removed"),
        null=True,
        blank=True,
        help_text=_("When the scan was removed under the retention rule; its SHA-256 stays."),
    )

    class Meta:
        verbose_name = _("presented document")
        verbose_name_plural = _("presented documents")
        ordering = ["application", "document__order"]
        constraints = [
            models.UniqueConstraint(fields=["application", "document"], name="presented_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.document}"


class ResultDocument(models.Model):
    """The signed result of G2 step 2: the service's document or a motivated
    refusal. Signed bytes are never changed."""

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="result"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ResultKind.choices)
    content = models.BinaryField(_("signed content"), editable=False)
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    signature = models.BinaryField(_("signature (CMS, detached)"), editable=False)
    certificate_serial = models.CharField(_("certificate serial"), max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"))
    vacancy = models.ForeignKey(
        "registry.Vacancy", verbose_name=_("vacancy"), on_delete=models.PROTECT, null=True, blank=True
    )
    programme = models.ForeignKey(
        "registry.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A signed result cannot be edited.")
        super().save(*args, **kwargs)


class JournalEntry(models.Model):
    """G2 step 3: the line of the service journal the applicant signs."""

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="journal_entry"
    )
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField(_("recipient"), max_length=300)
    recipient_document = models.CharField(_("recipient's identity document"), max_length=64)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["issued_at", "id"]
        indexes = [models.Index(fields=["office", "issued_at", "id"], name="journal_entry_day_idx")]

    def __str__(self) -> str:
        return f"{self.application} {self.issued_at:%Y-%m-%d %H:%M}"


# --- the citizen's cabinet: attachments and notifications (P5, P10) ----------


class EducationLevel(models.TextChoices):
    """S1: the applicant's level of education, as the request form asks it."""

    NONE = "none", _("No formal education")
    PRIMARY = "primary", _("Primary")
    BASIC_SECONDARY = "basic_secondary", _("Basic secondary (9 grades)")
    GENERAL_SECONDARY = "general_secondary", _("General secondary (11 grades)")
    VOCATIONAL = "vocational", _("Technical and vocational")
    POST_SECONDARY = "post_secondary", _("Post-secondary")
    HIGHER = "higher", _("Higher")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Random names: what the citizen called the file never reaches the disk.
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """P5: an electronic copy of a paragraph-9 document attached to a portal
    request. The content is checked by its magic bytes, never by its name."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        RequiredDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(
        _("file"), upload_to=_attachment_path, blank=True, help_text=_("Empty once removed.")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size, bytes"))
    original_name = models.CharField(
        _("file name as uploaded"), max_length=255, help_text=_("For display only; sanitised.")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # Issue 6, retention: the file goes, the row stays as a tombstone (what
    # was attached, its SHA-256 and size), so the request's history and its
    # signed digests still read.
    removed_at = models.DateTimeField(
        _("removed"),
        null=True,
        blank=True,
        help_text=_("When the file was removed under the retention rule."),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.original_name}"


class Notification(models.Model):
    """One e-mail to the applicant about one audited change: an outbox row
    written in the change's own transaction, pending until ``sent_at`` is
    set. The audit entry's id is the idempotency key: a task run twice sends
    once, and a task lost with the broker is sent by the periodic sweep."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="notifications"
    )
    audit_entry_id = models.PositiveBigIntegerField(_("audit entry"), unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.audit_entry_id}"


# --- result documents on paper: the PDF anyone can verify (issue 5) ------------

# Unambiguous when read aloud or typed from paper: no 0/O, 1/I/L.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VERIFICATION_CODE_LENGTH = 10


class RenderedDocument(models.Model):
    """The PDF of a signed result, rendered once and never again (its bytes
    and their SHA-256 are what the verification page vouches for), with the
    short public code its QR leads to. A supervisor may revoke it with a
    reason; the bytes stay as issued."""

    result = models.OneToOneField(
        ResultDocument, verbose_name=_("signed result"), on_delete=models.PROTECT, related_name="rendered"
    )
    pdf = models.BinaryField(_("PDF"), editable=False)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    code = models.CharField(_("verification code"), max_length=VERIFICATION_CODE_LENGTH, unique=True)
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        verbose_name = _("rendered document")
        verbose_name_plural = _("rendered documents")
        permissions = [("revoke_rendereddocument", _("Can revoke issued result documents"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True)
                | (Q(revoked_by__isnull=False) & ~Q(revocation_reason="")),
                name="rendered_document_revoked_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=rf"^[{VERIFICATION_ALPHABET}]{{{VERIFICATION_CODE_LENGTH}}}$"),
                name="rendered_document_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result} {self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The PDF is issued once: only the revocation may be written later.
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (
            update_fields is None
            or not set(update_fields) <= {"revoked_at", "revoked_by", "revocation_reason"}
        ):
            raise PermissionError("A rendered document cannot be changed, only revoked.")
        super().save(*args, **kwargs)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def grouped_code(self) -> str:
        """The code as printed and read aloud: two groups of five."""
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"
