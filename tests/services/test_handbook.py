"""G6: the business-process handbook served as SVG is the state machine.

The expected states and transitions are read here straight from
django-fsm's introspection of ``Application.state``, not through
``services.handbook``, so a transition the drawing leaves out (or one it
invents) fails the comparison."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from reglament.models import Office
from services.constants import State
from services.models import Application

SVG = "{http://www.w3.org/2000/svg}"

# Where each service's requests start: S1 and S3 on the portal (draft) and at
# the desk (received); S2 at the desk only (DESIGN.md).
ENTRY_STATES = {"S1": {"draft", "received"}, "S2": {"received"}, "S3": {"draft", "received"}}


def fsm_transitions() -> set[tuple[str, str, str]]:
    state_field: Any = Application._meta.get_field("state")
    values = [state.value for state in State]
    found: set[tuple[str, str, str]] = set()
    for transition in state_field.get_all_transitions(Application):
        sources = values if transition.source in ("*", "+") else [str(transition.source)]
        for source in sources:
            if transition.source == "+" and source == transition.target:
                continue
            found.add((transition.name, source, str(transition.target or source)))
    return found


def reachable(starts: set[str], transitions: set[tuple[str, str, str]]) -> set[str]:
    seen = set(starts)
    changed = True
    while changed:
        changed = False
        for _name, source, target in transitions:
            if source in seen and target not in seen:
                seen.add(target)
                changed = True
    return seen


def drawing(client: Client, code: str) -> ElementTree.Element:
    response = client.get(reverse("services-public:handbook", args=[code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own document


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["S1", "S2", "S3"])
def test_the_handbook_svg_draws_every_state_and_transition_of_the_state_machine(
    client: Client, aktau: Office, code: str
) -> None:
    transitions = fsm_transitions()
    states = reachable(ENTRY_STATES[code], transitions)
    expected = {(name, source, target) for name, source, target in transitions if source in states}

    svg = drawing(client, code)
    drawn_states = {g.get("data-state") for g in svg.iter(f"{SVG}g") if g.get("class") == "state"}
    drawn_transitions = {
        (g.get("data-name"), g.get("data-source"), g.get("data-target"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "transition"
    }

    assert drawn_states == states
    assert drawn_transitions == expected


@pytest.mark.django_db
def test_s2_has_no_portal_states_in_its_handbook(client: Client, aktau: Office) -> None:
    svg = drawing(client, "S2")
    drawn_states = {g.get("data-state") for g in svg.iter(f"{SVG}g") if g.get("class") == "state"}

    assert State.DRAFT not in drawn_states
    assert State.SUBMITTED not in drawn_states


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["S1", "S2", "S3"])
def test_the_handbook_has_a_start_an_end_and_the_procedures_with_their_norms(
    client: Client, aktau: Office, code: str
) -> None:
    svg = drawing(client, code)
    groups = [g.get("class") or "" for g in svg.iter(f"{SVG}g")]
    procedures = {g.get("data-procedure") for g in svg.iter(f"{SVG}g") if g.get("class") == "procedure"}
    text = " ".join(t for t in svg.itertext())

    assert "event start" in groups
    assert "event end" in groups
    assert "choice" in groups
    assert procedures == {"intake", "review", "issuance"}
    for norm in ("10 минут", "15 минут", "5 минут"):  # the portal speaks Russian by default
        assert norm in text
