"""WCAG 3.1.2 (issue 6, item 6): a name shown in its Russian fallback on a
Kazakh page is marked ``lang="ru"``; a name in the page's language is not."""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Template
from django.utils import translation


@dataclass
class Named:
    name_ru: str
    name_kk: str = ""
    name_en: str = ""


def render(obj: Named, language: str) -> str:
    with translation.override(language):
        return Template('{% load localized %}<span{{ obj|lang_attr:"name" }}>x</span>').render(
            Context({"obj": obj})
        )


def test_a_russian_fallback_on_a_kazakh_page_is_marked_russian() -> None:
    assert render(Named(name_ru="Центр занятости"), "kk") == '<span lang="ru">x</span>'


def test_a_name_in_the_pages_language_is_not_marked() -> None:
    named = Named(name_ru="Центр занятости", name_kk="Жұмыспен қамту орталығы")

    assert render(named, "kk") == "<span>x</span>"
    assert render(named, "ru") == "<span>x</span>"


def test_an_empty_name_is_not_marked() -> None:
    assert render(Named(name_ru=""), "kk") == "<span>x</span>"
