"""A small reader of the portal's HTML forms for the load client: it finds a
form as a browser would and gives the fields it would post (hidden inputs,
checked boxes, the first radio of a group when none is checked, selected
options, text areas), so the load test posts what the pages really carry
(CSRF token, hidden ids, the prepared signing fields) without knowing their
names in advance. Standard library only: the Locust process has no Django."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Radio groups and selects: every value offered, in page order.
    choices: dict[str, list[str]] = field(default_factory=dict)
    # Submit buttons with a name (name, value): a browser posts the one pressed.
    buttons: list[tuple[str, str]] = field(default_factory=list)
    file_inputs: list[str] = field(default_factory=list)

    def data(self, **overrides: str) -> dict[str, str]:
        """The fields a browser posts, the first radio of an unchecked group
        chosen, then ``overrides`` applied."""
        values: dict[str, str] = {}
        for name, value in self.fields:
            values.setdefault(name, value)
        for name, options in self.choices.items():
            if name not in values and options:
                values[name] = options[0]
        values.update(overrides)
        return values


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "form":
            self._form = Form(
                action=attrs.get("action", ""), method=attrs.get("method", "get").lower(), attrs=attrs
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = attrs.get("name", "")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "")
            if kind in {"checkbox", "radio"}:
                if kind == "radio":
                    form.choices.setdefault(name, []).append(value)
                if "checked" in attrs:
                    form.fields.append((name, value or "on"))
            elif kind == "file":
                form.file_inputs.append(name)
            elif kind == "submit":
                form.buttons.append((name, value))
            else:
                form.fields.append((name, value))
        elif tag == "button" and name:
            form.buttons.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
            form.choices.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            self._option_value = attrs.get("value")
            self._text = []
            if "selected" in attrs:
                self._select_value = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option_value is not None or self._select is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif form is None:
            return
        elif tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else "".join(self._text).strip()
            form.choices[self._select].append(value)
            self._option_value = None
        elif tag == "select" and self._select is not None:
            offered = [v for v in form.choices[self._select] if v]
            if self._select_value is not None:
                form.fields.append((self._select, self._select_value))
            elif offered:
                form.choices[self._select] = offered
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def forms(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def find_form(page: str, *, action_contains: str = "", attribute: str = "", has_field: str = "") -> Form:
    """The first form whose action contains ``action_contains``, that carries
    the attribute ``attribute`` and a field ``has_field``; LookupError if none."""
    for form in forms(page):
        if action_contains and action_contains not in html.unescape(form.action):
            continue
        if attribute and attribute not in form.attrs:
            continue
        names = {name for name, _ in form.fields} | set(form.choices) | set(form.file_inputs)
        if has_field and has_field not in names:
            continue
        return form
    raise LookupError(f"no form (action ~ {action_contains!r}, attribute {attribute!r}, field {has_field!r})")
