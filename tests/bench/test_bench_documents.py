"""The document benchmark runs with one render per kind and leaves nothing behind."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from reglament.models import Office
from services.constants import ResultKind
from services.models import Application, ResultDocument

pytestmark = pytest.mark.django_db

LINE = r"^\s+{name}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$"


def test_the_benchmark_times_every_document_kind_beside_a_bare_page(aktau: Office) -> None:
    out = io.StringIO()

    call_command("bench_documents", "--repeat", "1", "--office", aktau.code, stdout=out)

    text = out.getvalue()
    for name in ["bare", *ResultKind.values]:
        line = re.search(LINE.format(name=name), text, re.MULTILINE)
        assert line is not None, f"no timing line for {name}:\n{text}"
        median, bare, ratio, static, static_ratio = (float(g) for g in line.groups())
        assert min(median, bare, ratio, static, static_ratio) > 0
    assert not Application.objects.exists()
    assert not ResultDocument.objects.exists()
