"""Choices of the reglament app (translated labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCode(models.TextChoices):
    """The three services of the decree; names and rules live in the data."""

    JOB_SEEKER = "S1", _("Registration of job seekers")
    UNEMPLOYED = "S2", _("Registration of job seekers as unemployed")
    ACTIVE_MEASURES = "S3", _("Referrals to active employment measures")


class ActKind(models.TextChoices):
    LAW = "law", _("Law")
    ORDER = "order", _("Ministerial order")
    DECREE = "decree", _("Akimat decree")
    DEMO = "demo", _("Training edition (not a legal act)")


class ActStatus(models.TextChoices):
    PENDING = "pending", _("Not yet in force")
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("In force, amended")
    REPEALED = "repealed", _("Repealed")


class ServiceForm(models.TextChoices):
    ELECTRONIC_OR_PAPER = "electronic_or_paper", _("Electronic (partially automated) and/or paper")
    PAPER = "paper", _("Paper")


class ResultForm(models.TextChoices):
    ELECTRONIC_OR_PAPER = "electronic_or_paper", _("Electronic and/or paper")
    PAPER = "paper", _("Paper")


class ProcedureCode(models.TextChoices):
    """The three procedures of G2, in their order."""

    INTAKE = "intake", _("Intake and registration of documents")
    REVIEW = "review", _("Review, preparation and signing of the result")
    ISSUANCE = "issuance", _("Issuance of the result to the applicant")


class Unit(models.TextChoices):
    """G3: the structural units that take part."""

    CHANCELLERY = "chancellery", _("Chancellery")
    EXECUTOR = "executor", _("Responsible executor")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    DAY_OFF = "day_off", _("Transferred day off")
    WORKING = "working", _("Transferred working day")
