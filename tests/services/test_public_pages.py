"""The public page of each service (S1–S3): channels, paragraph-9 documents,
result, procedures and norms, refusal grounds, legal acts with their status
today (L1), the offices of a chancellery-only service, and the handbook (G6)."""

from __future__ import annotations

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reglament.models import LegalAct, Office, Region, ReglamentVersion
from services.constants import State
from services.models import RefusalGround, RequiredDocument, Service
from tests.factories import OfficeFactory

pytestmark = [pytest.mark.django_db]


def page(client: Client, code: str, **headers: str) -> str:
    response = client.get(reverse("services-public:service", args=[code]), **headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("code", ["S1", "S2", "S3"])
def test_each_service_page_lists_its_paragraph_9_documents(client: Client, aktau: Office, code: str) -> None:
    text = page(client, code, HTTP_ACCEPT_LANGUAGE="en")

    documents = RequiredDocument.objects.filter(service__code=code)
    assert documents.exists()
    for document in documents:
        assert document.name_en in text
    assert "mandatory" in text
    assert "if any" in text or not documents.filter(mandatory=False).exists()
    assert "Has an expiry date: it must be valid on the day you apply." in text


@pytest.mark.parametrize("code", ["S1", "S2", "S3"])
def test_each_service_page_lists_the_procedures_with_their_units_and_norms(
    client: Client, current_reglaments: list[ReglamentVersion], code: str
) -> None:
    text = page(client, code, HTTP_ACCEPT_LANGUAGE="en")

    for name in (
        "Intake and registration of documents",
        "Review, preparation and signing of the result",
        "Issuance of the result to the applicant",
    ):
        assert name in text
    assert ">10 minutes<" in text
    assert ">15 minutes<" in text
    assert ">5 minutes<" in text
    assert "Responsible executor" in text


@pytest.mark.parametrize("code", ["S1", "S2", "S3"])
def test_each_service_page_lists_its_grounds_of_refusal_with_stage_and_legal_reference(
    client: Client, current_reglaments: list[ReglamentVersion], code: str
) -> None:
    text = page(client, code, HTTP_ACCEPT_LANGUAGE="en")

    grounds = RefusalGround.objects.filter(services__code=code)
    assert grounds.exists()
    for ground in grounds:
        assert ground.name_en in text
        assert f"Legal reference: {ground.legal_reference_en}" in text
        assert str(ground.get_stage_display()) in text


def test_the_s2_page_shows_intake_refusals_as_well_as_refusals_of_the_service(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    text = page(client, "S2", HTTP_ACCEPT_LANGUAGE="en")

    assert "Incomplete package of documents against paragraph 9 of the Standard" in text
    assert "A document has expired" in text
    assert "Refusal of intake" in text
    assert "Refusal of the service" in text


def test_the_s3_page_says_which_measure_a_document_belongs_to(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    text = page(client, "S3", HTTP_ACCEPT_LANGUAGE="en")

    assert "Only for this measure: Referral to youth practice." in text
    assert "Only for this measure: Referral to social jobs." in text


def test_the_service_page_shows_the_result_and_both_channels_of_s1(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    text = page(client, "S1", HTTP_ACCEPT_LANGUAGE="en")
    version = next(v for v in current_reglaments if v.service_code == "S1")

    assert (version.result_en or version.result_ru) in text
    assert "Chancellery of the employment centre" in text
    assert "E-government portal" in text
    assert "Served at the chancellery only" not in text


def test_s2_says_it_is_served_at_the_chancellery_only_and_lists_the_active_offices(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    OfficeFactory(
        code="AKT",
        name_en="Aktau employment centre",
        address_en="12 Microdistrict, 5",
        phone="+7 7292 50 00 00",
    )
    OfficeFactory(code="OLD", name_en="Closed employment centre", is_active=False)

    text = page(client, "S2", HTTP_ACCEPT_LANGUAGE="en")

    assert "Served at the chancellery only: please come to an office in person." in text
    assert "E-government portal" not in text
    assert "Aktau employment centre" in text
    assert "12 Microdistrict, 5" in text
    assert "+7 7292 50 00 00" in text
    assert "Closed employment centre" not in text


def test_the_service_page_lists_the_legal_acts_around_the_reglament_with_their_status_today(
    client: Client, region: Region, current_reglaments: list[ReglamentVersion]
) -> None:
    today = timezone.localdate()
    approving = current_reglaments[0].legal_act
    decree_272 = LegalAct.objects.get(number="272")
    approving.amends.add(decree_272)  # repealed by decree No. 49 in 2020
    amending = LegalAct.objects.create(
        kind="decree",
        region=region,
        issuer_ru="Акимат",
        number="A-2",
        adopted_on=datetime.date(2021, 3, 1),
        title_ru="О внесении изменений",
        title_en="On amendments",
        in_force_from=datetime.date(2021, 3, 15),
    )
    amending.amends.add(approving)
    repealing = LegalAct.objects.create(
        kind="decree",
        region=region,
        issuer_ru="Акимат",
        number="R-3",
        adopted_on=today,
        title_ru="О признании утратившим силу",
        title_en="On repeal",
        in_force_from=today + datetime.timedelta(days=30),
    )
    approving.repealed_by = repealing
    approving.save(update_fields=["repealed_by"])

    text = page(client, "S1", HTTP_ACCEPT_LANGUAGE="en")

    assert 'data-act-status="amended"' in text  # the approving act, amended by A-2
    assert 'data-act-status="repealed"' in text  # decree No. 272
    assert 'data-act-status="in_force"' in text
    assert 'data-act-status="pending"' in text  # R-3, in force in 30 days
    for label in ("In force, amended", "Repealed", "In force", "Not yet in force"):
        assert f">{label}</span>" in text
    assert "Approves the reglament in force." in text
    assert f"Amended by {approving}." in text
    assert f"Amends {approving}." in text
    assert f"Repeals {approving}." in text
    assert "15.03.2021" in text
    assert "06.04.2020" in text  # decree No. 49 puts an end to No. 272
    assert (today + datetime.timedelta(days=30)).strftime("%d.%m.%Y") in text
    assert "30.11.2017" in text  # No. 272's state registration


def test_the_service_page_embeds_the_handbook_with_a_text_list_of_its_steps(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    text = page(client, "S1", HTTP_ACCEPT_LANGUAGE="en")

    svg_url = reverse("services-public:handbook", args=["S1"])
    assert f'<img src="{svg_url}" alt="Business-process handbook: Registration of job seekers"' in text
    assert '<ol id="handbook-steps"' in text
    for state in State:
        assert f'data-state="{state.value}"' in text
    assert "submit (signed) → Submitted" in text
    assert "sign refusal → Refusal signed" in text
    assert "reassign: the request stays in this state" in text


def test_the_s2_text_list_has_no_portal_steps(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    text = page(client, "S2", HTTP_ACCEPT_LANGUAGE="en")

    assert 'data-state="draft"' not in text
    assert 'data-state="submitted"' not in text
    assert 'data-state="received"' in text


def test_an_unknown_service_code_is_a_clean_404(
    client: Client, current_reglaments: list[ReglamentVersion]
) -> None:
    assert client.get("/services/S9/").status_code == 404
    assert client.get("/services/s1/").status_code == 404
    assert client.get("/services/S9/handbook.svg").status_code == 404


def test_the_service_page_says_so_when_no_reglament_is_in_force(client: Client, region: Region) -> None:
    # Only the 2017 versions exist: they ended with the 2020 repeal.
    text = page(client, "S1", HTTP_ACCEPT_LANGUAGE="en")

    assert "No reglament of this service is in force today." in text


@pytest.mark.parametrize(
    ("headers", "language", "field"),
    [
        ({}, "ru", "ru"),
        ({"HTTP_COOKIE": "django_language=kk"}, "kk", "kk"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en", "en"),
    ],
    ids=["russian-by-default", "kazakh-by-cookie", "english-on-request"],
)
def test_the_service_page_renders_in_russian_kazakh_and_english(
    client: Client, aktau: Office, headers: dict[str, str], language: str, field: str
) -> None:
    service = Service.objects.get(code="S3")
    headings = {
        "ru": ("Документы (пункт 9 Стандарта)", "На рассмотрении"),
        "kk": ("Құжаттар (Стандарттың 9-тармағы)", "Қаралуда"),
        "en": ("Documents (paragraph 9 of the Standard)", "In review"),
    }

    text = page(client, "S3", **headers)

    assert f'lang="{language}"' in text
    assert getattr(service, f"name_{field}") in text
    for heading in headings[language]:
        assert heading in text


def test_the_service_page_keeps_a_constant_number_of_queries(
    client: Client, aktau: Office, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get("/services/S3/")
