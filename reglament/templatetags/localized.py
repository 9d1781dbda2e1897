"""``{{ obj|lang_attr:"name" }}``: ` lang="ru"` on an element whose text is
a fallback in another language than the page's (WCAG 3.1.2, language of
parts), so a screen reader reads a Russian name on a Kazakh page in Russian;
nothing when the text is in the page's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from reglament.localized import localized_language

register = template.Library()


@register.filter
def lang_attr(obj: object, base: str) -> SafeString | str:
    page = (get_language() or "ru")[:2]
    shown = localized_language(obj, base, page)
    if not shown or shown == page:
        return ""
    return format_html(' lang="{}"', shown)
