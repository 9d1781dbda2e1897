"""Choices of the registry app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureKind(models.TextChoices):
    """S3: the four kinds of referral to active employment measures."""

    EMPLOYMENT = "employment", _("Referral to employment")
    YOUTH_PRACTICE = "youth_practice", _("Referral to youth practice")
    SOCIAL_JOBS = "social_jobs", _("Referral to social jobs")
    PUBLIC_WORKS = "public_works", _("Referral to public works")


class ProgrammeKind(models.TextChoices):
    YOUTH_PRACTICE = "youth_practice", _("Youth practice")
    SOCIAL_JOBS = "social_jobs", _("Social jobs")
    PUBLIC_WORKS = "public_works", _("Public works")


class Register(models.TextChoices):
    """The two registers a signed S1 or S2 result enters a person in."""

    JOB_SEEKERS = "job_seekers", _("Job seekers")
    UNEMPLOYED = "unemployed", _("Unemployed")


class ReferralOutcome(models.TextChoices):
    """What came of an S3 referral, recorded later by a clerk."""

    PENDING = "pending", _("Awaiting outcome")
    HIRED = "hired", _("Hired")
    NOT_HIRED = "not_hired", _("Not hired")
    DID_NOT_COME = "did_not_come", _("Did not come")
