"""Drive applications through the state machine by the service layer."""

from __future__ import annotations

from applicants.models import Applicant, User
from services import services as svc
from services.constants import State
from services.models import Application, RefusalGround

ORDER = [State.RECEIVED, State.REGISTERED, State.IN_REVIEW, State.RESULT_SIGNED, State.ISSUED]


def desk_application(
    *,
    clerk: User,
    applicant: Applicant,
    executor: User | None = None,
    service_code: str = "S2",
    measure_kind: str = "",
    until: str = State.RECEIVED,
) -> Application:
    """A walk-in application moved up to ``until`` along the happy path."""
    application = svc.application_receive(
        clerk=clerk, applicant_id=applicant.pk, service_code=service_code, measure_kind=measure_kind
    )
    target = ORDER.index(State(until))
    if target >= 1:
        application = svc.application_register(application_id=application.pk, actor=clerk)
    if target >= 2:
        assert executor is not None
        application = svc.application_take(application_id=application.pk, executor=executor)
    if target >= 3:
        assert executor is not None
        application = svc.application_sign_result(
            application_id=application.pk, executor=executor, result_text="Зарегистрирован."
        )
    if target >= 4:
        application = svc.application_issue(
            application_id=application.pk, clerk=clerk, recipient_document="N 012345678"
        )
    return application


def ground(code: str) -> RefusalGround:
    return RefusalGround.objects.get(code=code)
