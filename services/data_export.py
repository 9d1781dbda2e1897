"""What the centre holds about one applicant, as one file (issue 6, personal
data; the structure is documented in docs/personal-data.md).

The export is a ZIP: ``data.json`` (format ``employment-portal.applicant-data``,
version ``FORMAT_VERSION``) and the files it names under ``files/``: the
attachments and scans still kept, the signed results and their signatures,
the rendered PDFs, the signed requests. Rows are written out field by field
from the models, so a field added to a model appears in the export without
a change here; a *model* linked to an applicant or an application must be
named in ``APPLICANT_SECTIONS``, ``APPLICATION_SECTIONS`` or
``RESULT_SECTIONS`` (a test walks the model graph and fails otherwise).

Other people stay out: staff appear as their role and office, never by name
or login; remarks that name staff are left out; the password hash is never
exported.

Public: ``FORMAT_VERSION``, ``applicant_data``, ``applicant_data_zip``,
``exportable_applicants`` (the selector of who may export whom),
``applicant_data_export`` (the audited service), ``ExportedData``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from applicants.models import Applicant, LoginAttempt, User
from audit.models import AuditEntry
from audit.services import audit_record
from gateway.models import CallbackDelivery, GatewayRequest
from registry.models import Referral, RegisterEntry, TargetGroupMembership
from services.constants import ACTION_LABELS
from services.models import (
    Application,
    Attachment,
    JournalEntry,
    Notification,
    PresentedDocument,
    RenderedDocument,
    ResultDocument,
    StepRecord,
)

logger = logging.getLogger(__name__)

FORMAT = "employment-portal.applicant-data"
FORMAT_VERSION = 1
EXPORT_ACTION = "data_export"

# section name -> (model, the field that links it to its parent, one row or many)
Section = tuple[type[models.Model], str, bool]
APPLICANT_SECTIONS: dict[str, Section] = {
    "applications": (Application, "applicant", True),
    "register_entries": (RegisterEntry, "applicant", True),
    "referrals": (Referral, "applicant", True),
    "target_group_memberships": (TargetGroupMembership, "applicant", True),
}
APPLICATION_SECTIONS: dict[str, Section] = {
    "steps": (StepRecord, "application", True),
    "presented_documents": (PresentedDocument, "application", True),
    "attachments": (Attachment, "application", True),
    "result": (ResultDocument, "application", False),
    "journal_entry": (JournalEntry, "application", False),
    "notifications": (Notification, "application", True),
    "gateway_request": (GatewayRequest, "application", False),
    "status_pushes": (CallbackDelivery, "application", True),
}
RESULT_SECTIONS: dict[str, Section] = {
    "rendered_document": (RenderedDocument, "result", False),
}
# Linked to an application too, but exported once under the applicant.
EXPORTED_UNDER_APPLICANT = (RegisterEntry, Referral)

ACCOUNT_FIELDS = (
    "username",
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "email",
    "phone",
    "is_active",
    "date_joined",
    "last_login",
)
# Audit remarks of these actions name staff members (the reassign remark
# names both executors): the entry is exported without its remark.
REMARKS_NAMING_STAFF = frozenset({"reassign"})
# Binary fields written to the ZIP, by their extension.
BINARY_EXTENSIONS = {
    "content": ".json",
    "signature": ".p7s",
    "request_signature": ".p7s",
    "pdf": ".pdf",
}
ROLE_ORDER = ("administrator", "supervisor", "executor", "clerk", "gateway")


def _covered_models() -> set[type[models.Model]]:
    sections = {**APPLICANT_SECTIONS, **APPLICATION_SECTIONS, **RESULT_SECTIONS}
    return {model for model, _link, _many in sections.values()}


COVERED_MODELS = _covered_models()


@dataclass
class _Collector:
    """The files of the ZIP and the labels of the people met on the way."""

    subject_user_id: int | None
    files: dict[str, bytes] = field(default_factory=dict)
    _people: dict[int, dict[str, Any] | str] = field(default_factory=dict)

    def add(self, path: str, content: bytes) -> str:
        self.files[path] = content
        return path

    def person(self, user_id: int | None) -> dict[str, Any] | str | None:
        """The applicant's own account as "applicant"; anyone else as their
        role and office only."""
        if user_id is None:
            return None
        if user_id == self.subject_user_id:
            return "applicant"
        if user_id not in self._people:
            user = User.objects.select_related("office").filter(pk=user_id).first()
            if user is None:
                self._people[user_id] = {"role": "", "office": ""}
            else:
                names = set(user.groups.values_list("name", flat=True))
                role = next((r for r in ROLE_ORDER if r in names), "staff" if user.office_id else "")
                self._people[user_id] = {"role": role, "office": user.office.code if user.office else ""}
        return self._people[user_id]


def _value(instance: models.Model, model_field: models.Field[Any, Any], collector: _Collector) -> Any:
    label = instance._meta.model_name
    if isinstance(model_field, models.ForeignKey):
        related_id = getattr(instance, model_field.attname)
        if model_field.related_model is User:
            return collector.person(related_id)
        if related_id is None:
            return None
        return {"id": related_id, "label": str(getattr(instance, model_field.name))}
    raw = model_field.value_from_object(instance)
    if isinstance(model_field, models.FileField):
        if not raw:
            return None
        name = f"{raw.name.rsplit('/', 1)[-1]}"
        if isinstance(instance, Attachment):
            name = PurePosixPath(instance.original_name).name or name
        try:
            with raw.open("rb") as handle:
                content = handle.read()
        except OSError:
            return {"file": None, "missing": True}
        return {"file": collector.add(f"files/{label}/{instance.pk}/{name}", content)}
    if isinstance(model_field, models.BinaryField):
        if raw is None:
            return None
        content = bytes(raw)
        extension = BINARY_EXTENSIONS.get(model_field.name, ".bin")
        path = collector.add(f"files/{label}/{instance.pk}/{model_field.name}{extension}", content)
        return {"file": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    return raw


def _row(instance: models.Model, collector: _Collector, *, skip: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.name == skip:
            continue
        row[model_field.name] = _value(instance, model_field, collector)
        if model_field.choices and not model_field.is_relation:
            row[f"{model_field.name}_label"] = str(getattr(instance, f"get_{model_field.name}_display")())
    return row


def _section(
    parent: models.Model, sections: dict[str, Section], collector: _Collector, nested: Any = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (model, link, many) in sections.items():
        rows = []
        for instance in model._default_manager.filter(**{link: parent}).order_by("pk"):
            row = _row(instance, collector, skip=link)
            if nested is not None:
                row.update(nested(instance, collector))
            rows.append(row)
        out[name] = rows if many else (rows[0] if rows else None)
    return out


def _application_extra(application: models.Model, collector: _Collector) -> dict[str, Any]:
    if not isinstance(application, Application):
        return {}
    sections = _section(application, APPLICATION_SECTIONS, collector)
    result = ResultDocument.objects.filter(application=application).first()
    if sections["result"] is not None and result is not None:
        sections["result"].update(_section(result, RESULT_SECTIONS, collector))
    return sections


def _audit_trail(applicant: Applicant, collector: _Collector) -> list[dict[str, Any]]:
    def about(model: type[models.Model], ids: list[Any]) -> Q:
        kind = ContentType.objects.get_for_model(model)
        return Q(target_type=kind, target_id__in=[str(i) for i in ids])

    user_id = applicant.user_id
    condition = about(Applicant, [applicant.pk])
    condition |= about(Application, list(applicant.applications.values_list("pk", flat=True)))
    condition |= about(
        RegisterEntry, list(RegisterEntry.objects.filter(applicant=applicant).values_list("pk", flat=True))
    )
    condition |= about(
        Referral, list(Referral.objects.filter(applicant=applicant).values_list("pk", flat=True))
    )
    if user_id is not None:
        condition |= about(User, [user_id]) | Q(actor_id=user_id)
    entries = []
    for entry in (
        AuditEntry.objects.filter(condition).select_related("target_type").order_by("created_at", "pk")
    ):
        entries.append(
            {
                "id": entry.pk,
                "at": entry.created_at,
                "actor": collector.person(entry.actor_id) or "system",
                "action": entry.action,
                "action_label": str(ACTION_LABELS.get(entry.action, entry.action)),
                "record_type": f"{entry.target_type.app_label}.{entry.target_type.model}",
                "record_id": entry.target_id,
                "from_state": entry.from_state,
                "to_state": entry.to_state,
                "remark": "" if entry.action in REMARKS_NAMING_STAFF else entry.remark,
                "changes": entry.changes,
                "succeeded": entry.succeeded,
            }
        )
    return entries


def _account(applicant: Applicant) -> dict[str, Any] | None:
    user = applicant.user
    if user is None:
        return None
    return {name: getattr(user, name) for name in ACCOUNT_FIELDS}


def _login_attempts(applicant: Applicant) -> list[dict[str, Any]]:
    names = {applicant.iin}
    if applicant.user is not None:
        names.add(applicant.user.username.lower())
    return [
        {"at": attempt.created_at, "ip": attempt.ip, "succeeded": attempt.succeeded}
        for attempt in LoginAttempt.objects.filter(username__in=names).order_by("created_at", "pk")
    ]


def _collect(applicant: Applicant) -> tuple[dict[str, Any], dict[str, bytes]]:
    collector = _Collector(subject_user_id=applicant.user_id)
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "applicant": _row(applicant, collector, skip="user"),
        "account": _account(applicant),
    }
    data.update(_section(applicant, APPLICANT_SECTIONS, collector, nested=_application_extra))
    data["login_attempts"] = _login_attempts(applicant)
    data["audit_trail"] = _audit_trail(applicant, collector)
    data["files"] = [
        {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        for path, content in sorted(collector.files.items())
    ]
    return data, collector.files


def applicant_data(*, applicant: Applicant) -> dict[str, Any]:
    """The export as JSON-ready data (dates as ISO 8601 text)."""
    data, _files = _collect(applicant)
    loaded: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return loaded


def applicant_data_zip(*, applicant: Applicant) -> bytes:
    """``data.json`` and the files it names, in one ZIP."""
    data, files = _collect(applicant)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for path, content in sorted(files.items()):
            archive.writestr(path, content)
    return buffer.getvalue()


def exportable_applicants(*, user: User) -> QuerySet[Applicant]:
    """Whose data ``user`` may export: a citizen their own; a supervisor
    (staff who may read the audit trail) the applicants with an application
    in their office; an administrator (any office) everyone."""
    if not user.is_active:
        return Applicant.objects.none()
    if user.office_id is None:
        return Applicant.objects.filter(user_id=user.pk) if user.iin else Applicant.objects.none()
    if not (user.has_perm("audit.view_auditentry") and user.has_perm("applicants.view_applicant")):
        return Applicant.objects.none()
    if user.has_perm("services.act_in_any_office"):
        return Applicant.objects.all()
    return Applicant.objects.filter(
        pk__in=Application.objects.filter(office_id=user.office_id).values("applicant_id")
    )


@dataclass(frozen=True)
class ExportedData:
    applicant_id: int
    content: bytes
    sha256: str

    @property
    def filename(self) -> str:
        return f"applicant-data-{self.applicant_id}.zip"


def applicant_data_export(*, applicant_id: int, actor: User | None, channel: str) -> ExportedData:
    """The audited export (``channel``: cabinet, staff or command). The
    caller has checked ``exportable_applicants``; the command runs as the
    server's administrator (``actor`` None or the named user)."""
    with transaction.atomic():
        applicant = Applicant.objects.select_related("user").get(pk=applicant_id)
        content = applicant_data_zip(applicant=applicant)
        digest = hashlib.sha256(content).hexdigest()
        audit_record(
            actor=actor,
            action=EXPORT_ACTION,
            target=applicant,
            remark=channel,
            changes={
                "format_version": FORMAT_VERSION,
                "sha256": digest,
                "size": len(content),
                "applications": applicant.applications.count(),
            },
        )
    # Ids only: the filter would mask an IIN, but nothing here needs a person's name.
    logger.info(
        "Personal data of applicant #%s exported (%s) by %s", applicant.pk, channel, actor or "system"
    )
    return ExportedData(applicant_id=applicant.pk, content=content, sha256=digest)
