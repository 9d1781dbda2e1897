"""Download of what the centre holds about one applicant (issue 6, personal
data; ``services.data_export``): the citizen's own from the cabinet, an
applicant's from the staff side for a supervisor of an office where the
person has an application, or an administrator. Each download is audited.

``cabinet_data_export`` is mounted in the cabinet (``cabinet-requests:data-export``),
``staff_data_export`` on the staff side (``services:applicant-data-export``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from applicants.models import User
from services.cabinet_views import citizen_required
from services.data_export import ExportedData, applicant_data_export, exportable_applicants
from services.staff_views import staff_required


def _zip(exported: ExportedData) -> HttpResponse:
    response = HttpResponse(exported.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the decorators let nobody else in
        raise Http404
    return user


@never_cache
@require_POST
@citizen_required
def cabinet_data_export(request: HttpRequest) -> HttpResponse:
    """ "Download my data": the citizen's own record, never anyone else's."""
    user = _user(request)
    applicant = exportable_applicants(user=user).filter(user_id=user.pk).first()
    if applicant is None:
        raise Http404
    return _zip(applicant_data_export(applicant_id=applicant.pk, actor=user, channel="cabinet"))


@never_cache
@require_POST
@staff_required("audit.view_auditentry", "applicants.view_applicant")
def staff_data_export(request: HttpRequest, pk: int) -> HttpResponse:
    """An applicant's data for a supervisor of an office where the person
    has an application, or an administrator; anyone else's is a 404."""
    user = _user(request)
    applicant = exportable_applicants(user=user).filter(pk=pk).first()
    if applicant is None:
        raise Http404
    return _zip(applicant_data_export(applicant_id=applicant.pk, actor=user, channel="staff"))
