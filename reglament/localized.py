"""Reference data carries its names in Russian, Kazakh and English.

``localized(obj, "name")`` picks ``name_<current language>`` and falls back
to Russian, then Kazakh, then English, so a missing translation never shows
an empty label.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

_FALLBACK = ("ru", "kk", "en")


def localized(obj: object, base: str, language: str | None = None) -> str:
    lang = (language or get_language() or "ru")[:2]
    for code in (lang, *_FALLBACK):
        value = getattr(obj, f"{base}_{code}", "")
        if value:
            return str(value)
    return ""


def localized_language(obj: object, base: str, language: str | None = None) -> str:
    """The language of the text ``localized`` shows: the page's own unless
    the translation is missing and a fallback is shown ("" when empty)."""
    lang = (language or get_language() or "ru")[:2]
    for code in (lang, *_FALLBACK):
        if getattr(obj, f"{base}_{code}", ""):
            return code
    return ""


class LocalizedName(models.Model):
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return localized(self, "name")
