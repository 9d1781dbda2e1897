"""The paper documents: the intake-refusal receipt and the day's journal,
printed by ``services.pdf.render_to_pdf`` and read back with poppler.

Page 1 of each is saved as a PNG (and the whole PDF) under
``test-artifacts/`` so that a person can look at the layout.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from applicants.models import Applicant, User
from reglament.models import Office
from services import services as svc
from services.models import Application, RefusalGround, RequiredDocument
from services.pdf import render_to_pdf
from tests.flows import desk_application

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
UTC = datetime.UTC
EXPIRED_ON = datetime.date(2026, 2, 1)
JOURNAL_DAY = datetime.date(2026, 3, 5)


def _poppler(tool: str, *args: str, pdf: bytes) -> str:
    executable = shutil.which(tool)
    if executable is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    # Fixed arguments, no shell: the PDF goes in on stdin.
    done = subprocess.run([executable, *args], input=pdf, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


def pdf_text(pdf: bytes) -> str:
    return _poppler("pdftotext", "-layout", "-", "-", pdf=pdf)


def page_count(pdf: bytes) -> int:
    info = _poppler("pdfinfo", "-", pdf=pdf)
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def save_for_review(name: str, pdf: bytes) -> None:
    """Keep the PDF and a PNG of its first page for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    executable = shutil.which("pdftoppm")
    if executable is None:
        return
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [executable, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-", str(ARTIFACTS / name)],
        input=pdf,
        check=True,
    )


@dataclass(frozen=True)
class JournalEntry:
    number: str
    applicant_name: str
    masked_iin: str
    service_code: str
    result_label: str
    issued_at: datetime.datetime | None
    issued_by: str
    recipient_document: str


@pytest.fixture
def refused(aktau: Office, clerk: User, applicant: Applicant) -> Application:
    aktau.address_kk = "Ақтау қ., 14-шағын аудан, 52-үй"
    aktau.address_ru = "г. Актау, 14-й микрорайон, дом 52"
    aktau.phone = "+7 7292 43-21-10"
    aktau.save(update_fields=["address_kk", "address_ru", "phone"])
    application = desk_application(clerk=clerk, applicant=applicant, service_code="S2")
    return svc.application_refuse_intake(
        application_id=application.pk,
        actor=clerk,
        ground_id=RefusalGround.objects.get(code="expired-document").pk,
        reason="Удостоверение личности просрочено 01.02.2026. Жеке куәлігінің мерзімі өткен.",
    )


def receipt_pdf(application: Application, clerk: User) -> bytes:
    documents = RequiredDocument.objects.filter(service=application.service)
    return render_to_pdf(
        "documents/intake_refusal_receipt.html",
        {
            "office": application.office,
            "tz": application.office.tz,
            "application": application,
            "applicant": application.applicant,
            "service": application.service,
            "missing": list(documents.filter(mandatory=True, expires=False)),
            "expired": [{"document": d, "expires_on": EXPIRED_ON} for d in documents.filter(expires=True)],
            "ground": application.refusal_ground,
            "reason": application.refusal_reason,
            "clerk": clerk,
            "refused_at": application.decided_at,
        },
        language="kk",
    )


def journal_entries(count: int) -> list[JournalEntry]:
    start = datetime.datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # 09:00 in Aqtau
    return [
        JournalEntry(
            number=f"AKT-2026-{n:06d}",
            applicant_name=f"Жұмабаев Ерлан Болатұлы {n}",
            masked_iin="9310••••1325",
            service_code=("S1", "S2", "S3")[n % 3],
            result_label="Жұмыссыз ретінде тіркелді / Зарегистрирован в качестве безработного",
            issued_at=start + datetime.timedelta(minutes=12 * n),
            issued_by="Сериккызы Айгуль",
            recipient_document=f"Жеке куәлік / Удостоверение личности № 04{n:07d}",
        )
        for n in range(1, count + 1)
    ]


def journal_pdf(office: Office, entries: list[JournalEntry]) -> bytes:
    return render_to_pdf(
        "documents/journal.html",
        {"office": office, "tz": office.tz, "day": JOURNAL_DAY, "entries": entries},
        language="ru",
    )


def test_a_rendered_document_is_a_pdf_on_a4(refused: Application, clerk: User) -> None:
    pdf = receipt_pdf(refused, clerk)
    save_for_review("intake_refusal_receipt", pdf)

    assert pdf.startswith(b"%PDF-")
    assert "595.276 x 841.89 pts (A4)" in _poppler("pdfinfo", "-", pdf=pdf)


def test_the_refusal_receipt_carries_its_number_and_both_titles(refused: Application, clerk: User) -> None:
    text = pdf_text(receipt_pdf(refused, clerk))

    assert refused.number
    assert refused.number in text
    assert "Қолхат: құжаттарды қабылдаудан бас тарту" in text
    assert "Расписка об отказе в приёме документов" in text


def test_the_refusal_receipt_has_the_office_letterhead_in_kazakh_and_russian(
    refused: Application, clerk: User
) -> None:
    text = pdf_text(receipt_pdf(refused, clerk))

    assert "Ақтау қ. жұмыспен қамту орталығы" in text
    assert "Центр занятости г. Актау" in text
    assert "14-шағын аудан" in text
    assert "14-й микрорайон" in text
    assert "+7 7292 43-21-10" in text


def test_the_refusal_receipt_names_the_applicant_with_a_masked_iin(
    refused: Application, clerk: User, applicant: Applicant
) -> None:
    text = pdf_text(receipt_pdf(refused, clerk))

    assert "Жумабаев Ерлан Болатович" in text
    assert applicant.masked_iin in text
    assert applicant.iin not in text


def test_the_refusal_receipt_lists_the_expired_document_with_its_expiry_date(
    refused: Application, clerk: User
) -> None:
    text = pdf_text(receipt_pdf(refused, clerk))
    flat = " ".join(text.split())

    assert "Жеке басын куәландыратын құжат" in flat
    assert "Документ, удостоверяющий личность" in flat
    assert "01.02.2026" in text


def test_the_refusal_receipt_states_the_ground_with_its_legal_reference(
    refused: Application, clerk: User
) -> None:
    flat = " ".join(pdf_text(receipt_pdf(refused, clerk)).split())

    assert "Қолданылу мерзімі өткен құжаттар" in flat
    assert "Документы с истекшим сроком действия" in flat
    assert "Мемлекеттік көрсетілетін қызмет регламенті, 4-тармақ" in flat
    assert "Регламент государственной услуги, пункт 4" in flat


def test_the_refusal_receipt_shows_the_time_in_the_office_time_zone(
    refused: Application, clerk: User, aktau: Office, settings: pytest.FixtureRequest
) -> None:
    settings.TIME_ZONE = "UTC"  # type: ignore[attr-defined]
    assert refused.decided_at is not None

    text = pdf_text(receipt_pdf(refused, clerk))

    assert f"{refused.decided_at.astimezone(aktau.tz):%d.%m.%Y %H:%M}" in text


def test_the_journal_of_forty_entries_runs_over_several_pages(aktau: Office) -> None:
    pdf = journal_pdf(aktau, journal_entries(40))
    save_for_review("journal", pdf)

    assert page_count(pdf) >= 2
    assert pdf_text(pdf).count("\f") >= 2


def test_the_journal_lists_every_registration_number(aktau: Office) -> None:
    entries = journal_entries(40)

    text = pdf_text(journal_pdf(aktau, entries))

    assert all(entry.number in text for entry in entries)


def test_the_journal_repeats_its_column_header_on_every_page(aktau: Office) -> None:
    pdf = journal_pdf(aktau, journal_entries(40))

    pages = pdf_text(pdf).split("\f")[: page_count(pdf)]

    assert all("Тіркеу нөмірі" in page for page in pages)


def test_the_journal_carries_both_titles_the_office_and_the_day(aktau: Office) -> None:
    text = pdf_text(journal_pdf(aktau, journal_entries(3)))

    assert "Мемлекеттік қызмет көрсету журналы" in text
    assert "Журнал по оказанию государственной услуги" in text
    assert "Ақтау қ. жұмыспен қамту орталығы" in text
    assert "Центр занятости г. Актау" in text
    assert "05.03.2026" in text


def test_the_journal_shows_issue_times_in_the_office_time_zone(
    aktau: Office, settings: pytest.FixtureRequest
) -> None:
    settings.TIME_ZONE = "UTC"  # type: ignore[attr-defined]

    text = pdf_text(journal_pdf(aktau, journal_entries(1)))

    assert "09:12" in text
