"""Issue 6, item 6: a checklist field with an error points at its message
(``aria-describedby``) and says it is invalid, so a screen reader reads the
message with the field."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from services.models import RequiredDocument
from tests.flows import desk_application
from tests.services.test_staff_pages import checklist_post, login

pytestmark = pytest.mark.django_db


def test_a_checklist_date_with_an_error_is_described_by_its_message(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    identity = RequiredDocument.objects.get(service=application.service, name_en__startswith="Identity")
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    response = login(client, clerk).post(
        reverse("services:intake", args=[application.pk]),
        checklist_post(application, Identity={"issued_on": future}),
    )

    text = response.content.decode()
    field_id = f"id_doc-{identity.pk}-issued_on"
    field = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert f'aria-describedby="{field_id}_error"' in field.group(0)
    message = re.search(rf'<div[^>]*id="{field_id}_error"[^>]*>(.*?)</div>', text, flags=re.DOTALL)
    assert message is not None
    assert "The issue date cannot be in the future." in message.group(1)
