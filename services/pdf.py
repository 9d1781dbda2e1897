"""The one PDF helper: a Django template rendered in a given language and
printed by WeasyPrint on A4.

Public: ``render_to_pdf``. The paper documents (the intake-refusal receipt,
the service journal) live under ``templates/documents/``; their fixed titles
are bilingual Kazakh/Russian text, while ``{% translate %}`` strings follow
``language`` — the language of the person the paper is printed for.
"""

from __future__ import annotations

from typing import Any

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# A template that forgets its @page rule still prints on A4; a template's own
# @page (margins, page numbers) is applied on top of this.
_A4 = weasyprint.CSS(string="@page { size: A4 }")


def render_to_pdf(template_name: str, context: dict[str, Any], *, language: str) -> bytes:
    """Render ``template_name`` with ``context`` in ``language`` and return the PDF bytes.

    Rendering and printing both happen inside the language override, so
    dates, numbers and translated strings agree with ``language``. Relative
    URLs in the template (images, stylesheets) resolve against ``BASE_DIR``.
    """
    with translation.override(language):
        html = render_to_string(template_name, context)
        pdf: bytes = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
            stylesheets=[_A4]
        )
    return pdf
