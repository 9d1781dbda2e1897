"""Retention of uploaded files (issue 6, personal data).

The citizens' attachments (P5) and the desk's scans of paragraph-9 documents
are copies of identity and other personal documents. They are needed while
the request is served and for a while after (complaints, audits); once an
application has been closed for longer than ``ATTACHMENT_RETENTION_DAYS``
its files are removed. The rows stay as tombstones: what was attached, its
SHA-256, size and type, and when it was removed — an auditor can still see
that the file existed and match a copy the applicant kept, and the signed
request's digests still read. Results, the journal and the audit trail are
not touched.

Public: ``CLOSED_STATES``, ``closed_at``, ``applications_past_retention``,
``attachments_purge`` and its report ``PurgedApplication``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from services.constants import State
from services.models import Application, Attachment, PresentedDocument

# Closed: nothing more can happen to the application in the state machine
# (DESIGN §4). An issued result closes at issuance (a portal result is
# delivered, and so issued, when signed: P10); a refused intake at the
# refusal. Every other state is still being served or waits for the
# applicant (a draft, a result not yet collected), so its files stay.
CLOSED_STATES = (State.ISSUED, State.INTAKE_REFUSED)
RETENTION_ACTION = "retention_purge"


def closed_at(application: Application) -> datetime.datetime | None:
    """When the application closed, or None while it is open."""
    if application.state == State.ISSUED:
        return application.issued_at
    if application.state == State.INTAKE_REFUSED:
        return application.decided_at
    return None


def _cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.ATTACHMENT_RETENTION_DAYS)


def _closed_before(cutoff: datetime.datetime) -> Q:
    return Q(state=State.ISSUED, issued_at__lt=cutoff) | Q(state=State.INTAKE_REFUSED, decided_at__lt=cutoff)


def applications_past_retention(*, now: datetime.datetime) -> QuerySet[Application]:
    """Closed applications, closed longer ago than the retention period,
    that still hold a file."""
    attachments = Attachment.objects.filter(application=OuterRef("pk"), removed_at__isnull=True)
    scans = PresentedDocument.objects.filter(application=OuterRef("pk")).exclude(scan="")
    return (
        Application.objects.filter(_closed_before(_cutoff(now)))
        .filter(Exists(attachments) | Exists(scans))
        .order_by("pk")
    )


@dataclass(frozen=True)
class PurgedApplication:
    """What was (or, on a dry run, would be) removed from one application."""

    application_id: int
    number: str
    closed_at: datetime.datetime
    attachments: int
    scans: int
    size: int


def _delete_after_commit(storage: Storage, names: list[str]) -> None:
    # Rows first, files once the rows are committed: a rollback keeps both,
    # and a file is never gone while its row still says it is there.
    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _purge_one(application_id: int, *, now: datetime.datetime, dry_run: bool) -> PurgedApplication | None:
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .filter(_closed_before(_cutoff(now)))
            .filter(pk=application_id)
            .first()
        )
        if application is None:  # reopened or gone since it was listed
            return None
        attachments = list(
            application.attachments.select_for_update().filter(removed_at__isnull=True).order_by("pk")
        )
        scans = list(application.presented_documents.select_for_update().exclude(scan="").order_by("pk"))
        if not attachments and not scans:
            return None
        closed = closed_at(application)
        assert closed is not None  # noqa: S101 - _closed_before selected a closed one
        report = PurgedApplication(
            application_id=application.pk,
            number=application.number or "",
            closed_at=closed,
            attachments=len(attachments),
            scans=len(scans),
            size=sum(a.size for a in attachments) + sum(_stored_size(d) for d in scans),
        )
        if dry_run:
            return report
        if attachments:
            _delete_after_commit(attachments[0].file.storage, [a.file.name for a in attachments if a.file])
            Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(file="", removed_at=now)
        if scans:
            _delete_after_commit(scans[0].scan.storage, [d.scan.name for d in scans])
            PresentedDocument.objects.filter(pk__in=[d.pk for d in scans]).update(
                scan="", scan_removed_at=now
            )
        audit_record(
            actor=None,
            action=RETENTION_ACTION,
            target=application,
            from_state=application.state,
            to_state=application.state,
            remark=f"ATTACHMENT_RETENTION_DAYS={settings.ATTACHMENT_RETENTION_DAYS}",
            changes={
                "closed_at": closed.isoformat(),
                "retention_days": settings.ATTACHMENT_RETENTION_DAYS,
                "attachments": [{"id": a.pk, "sha256": a.sha256, "size": a.size} for a in attachments],
                "scans": [{"id": d.pk, "sha256": d.scan_sha256} for d in scans],
            },
        )
    return report


def _stored_size(document: PresentedDocument) -> int:
    try:
        return int(document.scan.size)
    except OSError:  # already missing from the storage: nothing to free
        return 0


def attachments_purge(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> list[PurgedApplication]:
    """Remove the files of every application past retention: one transaction
    and one audit entry per application. Idempotent: an application whose
    files are gone is not listed again. ``dry_run`` reports and changes
    nothing."""
    now = now or timezone.now()
    purged = []
    for application_id in list(applications_past_retention(now=now).values_list("pk", flat=True)):
        report = _purge_one(application_id, now=now, dry_run=dry_run)
        if report is not None:
            purged.append(report)
    return purged
