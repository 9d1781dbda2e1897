"""Who may get which result, as rules with plain-language reasons (issue 5,
item 4). Shown to the executor and to the citizen; enforced when the
executor signs (``services.services``).

Public: ``RuleResult``, ``eligibility_for`` (S3 referrals),
``registration_eligibility`` (S1, S2: not already on the register),
``eligibility_for_request`` (either, from a request's service and measure),
``failing``.

The limits are not in code: the age limit and the years since graduation
are the programme's settings; the target groups are editable data
(DOMAIN.md: both unconfirmed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.constants import MeasureKind, Register
from registry.models import Programme, TargetGroup
from registry.selectors import open_register_entry, target_groups_of

if TYPE_CHECKING:
    from applicants.models import Applicant


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    reason: str


def failing(results: list[RuleResult]) -> list[RuleResult]:
    return [r for r in results if not r.passed]


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _add_years(value: datetime.date, years: int) -> datetime.date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a common year
        return value.replace(year=value.year + years, day=28)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# Which registers admit a person to each measure: a job seeker for all four;
# a registered unemployed person also for public works and social jobs.
_REGISTERS_FOR = {
    MeasureKind.EMPLOYMENT: (Register.JOB_SEEKERS,),
    MeasureKind.YOUTH_PRACTICE: (Register.JOB_SEEKERS,),
    MeasureKind.SOCIAL_JOBS: (Register.JOB_SEEKERS, Register.UNEMPLOYED),
    MeasureKind.PUBLIC_WORKS: (Register.JOB_SEEKERS, Register.UNEMPLOYED),
}


def _registered(applicant: Applicant, kind: MeasureKind) -> RuleResult:
    for register in _REGISTERS_FOR[kind]:
        entry = open_register_entry(applicant, register=register)
        if entry is not None:
            if register == Register.UNEMPLOYED:
                reason = _("Registered as unemployed since %(date)s (certificate %(number)s).") % {
                    "date": _day(entry.opened_on),
                    "number": entry.certificate_number,
                }
            else:
                reason = _("Registered as a job seeker since %(date)s.") % {"date": _day(entry.opened_on)}
            return RuleResult("registered", True, reason)
    if len(_REGISTERS_FOR[kind]) > 1:
        reason = _(
            "Not registered as a job seeker or as unemployed: this measure is for people on one of "
            "these registers. Register as a job seeker first (service S1)."
        )
    else:
        reason = _(
            "Not registered as a job seeker: referrals are for people on the job-seeker register. "
            "Register as a job seeker first (service S1)."
        )
    return RuleResult("registered", False, reason)


def _age_limit(applicant: Applicant, programme: Programme, on: datetime.date) -> RuleResult:
    limit = programme.max_age
    if applicant.birth_date is None:
        return RuleResult(
            "age_limit",
            False,
            _("The date of birth is not recorded, so the age limit (under %(limit)d) cannot be checked.")
            % {"limit": limit},
        )
    age = age_on(applicant.birth_date, on)
    if limit is not None and age < limit:
        return RuleResult(
            "age_limit",
            True,
            _("Age %(age)d: under the programme's limit of %(limit)d.") % {"age": age, "limit": limit},
        )
    return RuleResult(
        "age_limit",
        False,
        _("Age %(age)d: the programme “%(programme)s” is for people under %(limit)d.")
        % {"age": age, "limit": limit, "programme": programme.name},
    )


def _since_graduation(applicant: Applicant, programme: Programme, on: datetime.date) -> RuleResult:
    years = programme.max_years_since_graduation or 0
    limit_text = ngettext("%(years)d year since graduation", "%(years)d years since graduation", years) % {
        "years": years
    }
    if applicant.graduated_on is None:
        return RuleResult(
            "since_graduation",
            False,
            _(
                "No graduation date is recorded: youth practice is for recent graduates (at most %(limit)s). "
                "The date is taken from the education document."
            )
            % {"limit": limit_text},
        )
    if applicant.graduated_on > on:
        return RuleResult(
            "since_graduation",
            False,
            _("The recorded graduation date %(date)s is in the future.")
            % {"date": _day(applicant.graduated_on)},
        )
    deadline = _add_years(applicant.graduated_on, years)
    if on <= deadline:
        return RuleResult(
            "since_graduation",
            True,
            _("Graduated on %(date)s: within %(limit)s.")
            % {"date": _day(applicant.graduated_on), "limit": limit_text},
        )
    return RuleResult(
        "since_graduation",
        False,
        _("Graduated on %(date)s: more than %(limit)s have passed (the limit ended on %(deadline)s).")
        % {"date": _day(applicant.graduated_on), "limit": limit_text, "deadline": _day(deadline)},
    )


def _target_group(applicant: Applicant, on: datetime.date) -> RuleResult:
    groups = target_groups_of(applicant, on=on)
    if groups:
        return RuleResult(
            "target_group",
            True,
            _("Member of a target group: %(groups)s.") % {"groups": ", ".join(g.name for g in groups)},
        )
    known = ", ".join(g.name for g in TargetGroup.objects.filter(is_active=True).order_by("order", "code"))
    return RuleResult(
        "target_group",
        False,
        _(
            "Social jobs are for members of target groups (%(groups)s); no membership is recorded "
            "for this person on %(date)s."
        )
        % {"groups": known, "date": _day(on)},
    )


def eligibility_for(
    *,
    applicant: Applicant,
    kind: MeasureKind | str,
    programme: Programme | None = None,
    on: datetime.date,
) -> list[RuleResult]:
    """The rules of an S3 referral of ``kind``, each passed or failed with its
    reason. Programme rules are checked only once a programme is chosen and
    only for the limits it sets."""
    measure = MeasureKind(kind)
    results = [_registered(applicant, measure)]
    if measure == MeasureKind.YOUTH_PRACTICE and programme is not None:
        if programme.max_age is not None:
            results.append(_age_limit(applicant, programme, on))
        if programme.max_years_since_graduation is not None:
            results.append(_since_graduation(applicant, programme, on))
    if measure == MeasureKind.SOCIAL_JOBS:
        results.append(_target_group(applicant, on))
    return results


def registration_eligibility(
    *, applicant: Applicant, register: Register, on: datetime.date
) -> list[RuleResult]:
    """S1/S2: one open entry per person and register — a second registration
    is refused while the first is open."""
    entry = open_register_entry(applicant, register=register)
    if entry is None:
        if register == Register.UNEMPLOYED:
            reason = _("Not on the unemployed register yet.")
        else:
            reason = _("Not on the job-seeker register yet.")
        return [RuleResult("not_registered_yet", True, reason)]
    if register == Register.UNEMPLOYED:
        reason = _(
            "Already registered as unemployed since %(date)s (certificate %(number)s): "
            "the entry must be closed before a new registration."
        ) % {"date": _day(entry.opened_on), "number": entry.certificate_number}
    else:
        reason = _(
            "Already registered as a job seeker since %(date)s: the entry must be closed before a new registration."
        ) % {"date": _day(entry.opened_on)}
    return [RuleResult("not_registered_yet", False, reason)]


REGISTER_FOR_SERVICE = {"S1": Register.JOB_SEEKERS, "S2": Register.UNEMPLOYED}


def eligibility_for_request(
    *,
    applicant: Applicant,
    service_code: str,
    measure_kind: str = "",
    programme: Programme | None = None,
    on: datetime.date,
) -> list[RuleResult]:
    """The rules for a request of the service (and measure) given."""
    if service_code in REGISTER_FOR_SERVICE:
        return registration_eligibility(
            applicant=applicant, register=REGISTER_FOR_SERVICE[service_code], on=on
        )
    if service_code == "S3" and measure_kind in MeasureKind.values:
        return eligibility_for(applicant=applicant, kind=measure_kind, programme=programme, on=on)
    return []
