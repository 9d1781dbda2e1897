"""The eligibility rules (issue 5, item 4) as page context for the
executor's request page and the citizen's draft page
(``templates/services/staff/_eligibility.html``). Public: ``eligibility_context``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from registry.eligibility import eligibility_for_request, failing
from registry.models import Programme
from services.constants import State
from services.models import Application

# Before a decision the rules say whether the result may be signed; after
# it they would only describe the register the result itself entered.
_UNDECIDED = (State.DRAFT, State.RECEIVED, State.SUBMITTED, State.REGISTERED, State.IN_REVIEW)


def eligibility_context(application: Application) -> dict[str, Any]:
    """The rules for the request, each passed or failed with its reason;
    programme rules for the programme the request names, if any."""
    if application.state not in _UNDECIDED:
        return {}
    programme = None
    programme_id = (application.data or {}).get("programme")
    if isinstance(programme_id, int):
        programme = Programme.objects.filter(pk=programme_id, office_id=application.office_id).first()
    rules = eligibility_for_request(
        applicant=application.applicant,
        service_code=application.service.code,
        measure_kind=application.measure_kind,
        programme=programme,
        on=timezone.localdate(),
    )
    if not rules:
        return {}
    return {
        "eligibility": rules,
        "eligibility_failed": bool(failing(rules)),
        "eligibility_programme": programme,
    }
