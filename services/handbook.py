"""The business-process handbook of a service (G6), drawn as SVG from the code.

States and transitions are read from django-fsm's introspection of
``Application.state``; procedures, units and norms from the reglament
version. No transition is listed here by hand, so the drawing cannot drift
from the state machine: a new ``@transition`` shows up as soon as it exists
(a state this module has not placed yet is drawn in a spare row).

What *is* hand-made is the layout (which column and row each state takes),
the label of each transition and the channel each entry state belongs to.

Public: ``handbook`` (the handbook as data, for the page's text list),
``handbook_svg`` (the drawing), ``state_machine_transitions``.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext, pgettext, pgettext_lazy

from reglament.constants import ProcedureCode, ServiceCode
from reglament.models import ReglamentVersion
from services.constants import Channel, State
from services.models import Application

# The human name of each transition method (django-fsm only knows the method).
TRANSITION_LABELS: dict[str, Promise] = {
    "submit": pgettext_lazy("handbook transition", "submit (signed)"),
    "register": pgettext_lazy("handbook transition", "register"),
    "refuse_intake": pgettext_lazy("handbook transition", "refuse intake"),
    "take": pgettext_lazy("handbook transition", "take"),
    "reassign": pgettext_lazy("handbook transition", "reassign"),
    "prepare_result": pgettext_lazy("handbook transition", "sign result"),
    "refuse": pgettext_lazy("handbook transition", "sign refusal"),
    "issue": pgettext_lazy("handbook transition", "issue"),
}

# Where each channel's requests start (services.services: application_create_draft
# and application_receive). Their order is the order of the start arrows.
ENTRY_STATES: tuple[tuple[str, str], ...] = (
    (Channel.PORTAL.value, State.DRAFT.value),
    (Channel.DESK.value, State.RECEIVED.value),
)

# G2: the states each procedure covers, for the bands behind the columns.
PROCEDURE_STATES: dict[str, tuple[str, ...]] = {
    ProcedureCode.INTAKE.value: (
        State.SUBMITTED.value,
        State.RECEIVED.value,
        State.INTAKE_REFUSED.value,
        State.REGISTERED.value,
    ),
    ProcedureCode.REVIEW.value: (
        State.IN_REVIEW.value,
        State.RESULT_SIGNED.value,
        State.REFUSAL_SIGNED.value,
    ),
    ProcedureCode.ISSUANCE.value: (State.ISSUED.value,),
}

# (column, row) of each state: columns by step, row 0 the portal, row 1 the
# main line, row 2 the refusals. Column 0 is the start event; a choice takes
# the column after its state.
GRID: dict[str, tuple[int, int]] = {
    State.DRAFT.value: (1, 0),
    State.SUBMITTED.value: (2, 0),
    State.RECEIVED.value: (2, 1),
    State.REGISTERED.value: (4, 1),
    State.INTAKE_REFUSED.value: (4, 2),
    State.IN_REVIEW.value: (5, 1),
    State.RESULT_SIGNED.value: (7, 1),
    State.REFUSAL_SIGNED.value: (7, 2),
    State.ISSUED.value: (8, 1),
}

FILLS = {
    State.REGISTERED.value: "#cfe2ff",
    State.IN_REVIEW.value: "#cfe2ff",
    State.RESULT_SIGNED.value: "#d1e7dd",
    State.ISSUED.value: "#d1e7dd",
    State.REFUSAL_SIGNED.value: "#f8d7da",
    State.INTAKE_REFUSED.value: "#f8d7da",
}
BAND_FILLS = ("#f4f8fc", "#fbf8ef")

# Geometry, in px. Text is DejaVu Sans 12px: about 7.2px a character, so
# boxes grow with the language (Kazakh runs longer than Russian).
CHAR_W = 7.2
LINE_H = 15
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
MARGIN = 16
BOX_MIN_W = 110
BOX_MIN_H = 40
BOX_PAD = 12
STATE_WRAP = 20
LABEL_WRAP = 18
MIN_GAP = 40
ROW_GAP = 96
EVENT_R = 14
CHOICE_R = 16
LOOP_H = 34
BAND_MIN_W = 26 * CHAR_W


# --- the handbook as data ---------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One transition: a method of the state machine from one state to another."""

    name: str
    label: str
    source: str
    target: str
    target_label: str


@dataclass(frozen=True)
class Band:
    """A procedure of G2 as the reglament version states it."""

    code: str
    order: int
    name: str
    unit: str
    norm: str
    states: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """A state drawn in the handbook, with the transitions leaving it."""

    value: str
    label: str
    channels: tuple[str, ...]  # the channels whose requests start here
    moves: tuple[Move, ...]
    band: Band | None

    @property
    def is_end(self) -> bool:
        return all(move.target == self.value for move in self.moves)


@dataclass(frozen=True)
class Handbook:
    title: str
    service_code: str
    steps: tuple[Step, ...]
    moves: tuple[Move, ...]
    bands: tuple[Band, ...]
    entries: tuple[tuple[str, str], ...]  # (channel label, state)


def _state_order() -> dict[str, int]:
    return {state.value: index for index, state in enumerate(State)}


def state_machine_transitions() -> list[tuple[str, str, str]]:
    """Every (name, source, target) of ``Application.state``, as django-fsm
    knows them, wildcard sources expanded."""
    state_field: Any = Application._meta.get_field("state")
    values = [state.value for state in State]
    found: set[tuple[str, str, str]] = set()
    for transition in state_field.get_all_transitions(Application):
        target = transition.target
        if transition.source == "*":
            sources = values
        elif transition.source == "+":
            sources = [value for value in values if value != target]
        else:
            sources = [str(transition.source)]
        for source in sources:
            resolved = source if target is None else target
            if isinstance(resolved, str):  # a dynamic target (RETURN_VALUE) cannot be drawn
                found.add((transition.name, source, str(resolved)))
    order = _state_order()
    return sorted(found, key=lambda t: (order.get(t[1], 99), order.get(t[2], 99), t[0]))


def _transition_label(name: str) -> str:
    label = TRANSITION_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def _entries(version: ReglamentVersion | None) -> list[tuple[str, str]]:
    """The (channel, state) where requests start, for the channels the
    reglament has (every channel when no version is in force)."""
    allowed = {
        Channel.PORTAL.value: version is None or version.via_portal,
        Channel.DESK.value: version is None or version.via_desk,
    }
    return [(channel, state) for channel, state in ENTRY_STATES if allowed.get(channel, True)]


def _reachable(starts: Iterable[str], transitions: list[tuple[str, str, str]]) -> set[str]:
    seen = set(starts)
    frontier = list(seen)
    while frontier:
        state = frontier.pop()
        for _name, source, target in transitions:
            if source == state and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def _norm(minutes: int) -> str:
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


def _bands(version: ReglamentVersion | None, drawn: set[str]) -> list[Band]:
    if version is None:
        return []
    bands = []
    for procedure in sorted(version.procedures.all(), key=lambda p: p.order):
        states = tuple(s for s in PROCEDURE_STATES.get(procedure.code, ()) if s in drawn)
        bands.append(
            Band(
                code=procedure.code,
                order=procedure.order,
                name=procedure.name,
                unit=str(procedure.get_unit_display()),
                norm=_norm(procedure.norm_minutes),
                states=states,
            )
        )
    return bands


def _place(states: Iterable[str]) -> dict[str, tuple[int, int]]:
    """GRID for the known states; any other state in a spare row."""
    spare_row = max(row for _col, row in GRID.values()) + 1
    placed: dict[str, tuple[int, int]] = {}
    spare_col = 1
    for state in states:
        if state in GRID:
            placed[state] = GRID[state]
        else:
            placed[state] = (spare_col, spare_row)
            spare_col += 1
    return placed


def handbook(*, service_code: str, version: ReglamentVersion | None) -> Handbook:
    """G6: the states, transitions and procedures of a service, as data.

    Only what the service's channels can reach is included: S2's reglament
    has no portal channel, so it has no draft and no submitted request."""
    labels = {state.value: str(state.label) for state in State}
    entries = _entries(version)
    transitions = state_machine_transitions()
    drawn = _reachable((state for _channel, state in entries), transitions)
    moves = tuple(
        Move(
            name=name,
            label=_transition_label(name),
            source=source,
            target=target,
            target_label=labels.get(target, target),
        )
        for name, source, target in transitions
        if source in drawn
    )
    bands = _bands(version, drawn)
    band_of = {state: band for band in bands for state in band.states}
    channel_labels = {channel.value: str(channel.label) for channel in Channel}
    place = _place(sorted(drawn, key=lambda s: _state_order().get(s, 99)))
    steps = tuple(
        Step(
            value=state,
            label=labels.get(state, state),
            channels=tuple(channel_labels[c] for c, s in entries if s == state),
            moves=tuple(m for m in moves if m.source == state),
            band=band_of.get(state),
        )
        for state in sorted(drawn, key=lambda s: place[s])
    )
    title = version.title if version is not None else str(ServiceCode(service_code).label)
    return Handbook(
        title=title,
        service_code=service_code,
        steps=steps,
        moves=moves,
        bands=tuple(bands),
        entries=tuple((channel_labels[c], s) for c, s in entries),
    )


# --- layout -----------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=max(width, 6), break_long_words=False) or [text]


def _text_w(lines: Iterable[str]) -> float:
    return max((len(line) for line in lines), default=0) * CHAR_W


@dataclass
class _Node:
    key: str
    kind: str  # state, choice, start, end
    col: int
    row: int
    w: float
    h: float
    lines: list[str] = field(default_factory=list)
    x: float = 0.0
    cy: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.cy - self.h / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.h / 2


@dataclass
class _Edge:
    source: _Node
    target: _Node
    lines: list[str]
    attrs: dict[str, str]
    css: str
    title: str = ""
    route: str = "elbow"  # elbow, loop, track
    port: float = 0.0
    label_below: bool = False
    elbow_x: float = 0.0  # where an arrow from another row turns towards its target


def _state_node(value: str, label: str, col: int, row: int) -> _Node:
    lines = _wrap(label, STATE_WRAP)
    w = max(BOX_MIN_W, _text_w(lines) + 2 * BOX_PAD)
    h = max(BOX_MIN_H, len(lines) * LINE_H + 2 * BOX_PAD - 6)
    return _Node(key=value, kind="state", col=col, row=row, w=w, h=h, lines=lines)


@dataclass
class _Layout:
    nodes: list[_Node]
    edges: list[_Edge]
    bands: list[tuple[Band, float, float, list[str]]]
    band_top: float
    header_h: float
    width: float
    height: float
    track_y: float


def _layout(book: Handbook) -> _Layout:
    place = _place(step.value for step in book.steps)
    labels = {step.value: step.label for step in book.steps}
    states = {step.value: _state_node(step.value, step.label, *place[step.value]) for step in book.steps}
    nodes: list[_Node] = list(states.values())

    choices: dict[str, _Node] = {}
    for step in book.steps:
        targets = {m.target for m in step.moves if m.target != step.value}
        if len(targets) > 1:
            node = states[step.value]
            choice = _Node(
                key=step.value, kind="choice", col=node.col + 1, row=node.row, w=2 * CHOICE_R, h=2 * CHOICE_R
            )
            choices[step.value] = choice
            nodes.append(choice)

    entry_rows = [states[s].row for _c, s in book.entries if s in states]
    start = _Node(key="start", kind="start", col=0, row=entry_rows[-1] if entry_rows else 1, w=0, h=0)
    ends = [states[step.value] for step in book.steps if step.is_end]
    last = max(ends, key=lambda n: (n.col, -n.row), default=None)
    end_col = max(n.col for n in nodes) + 1
    end = _Node(key="end", kind="end", col=end_col, row=last.row if last else 1, w=0, h=0)
    start.w = start.h = end.w = end.h = 2 * EVENT_R
    nodes += [start, end]

    edges: list[_Edge] = []
    for channel_label, state in book.entries:
        edges.append(
            _Edge(
                start,
                states[state],
                _wrap(channel_label, LABEL_WRAP),
                {"data-source": "start", "data-target": state},
                "flow",
            )
        )
    for value, choice in choices.items():
        edges.append(
            _Edge(states[value], choice, [], {"data-source": value, "data-target": "choice"}, "flow")
        )
    for move in book.moves:
        source = states[move.source]
        target = states[move.target]
        edge = _Edge(
            choices.get(move.source, source),
            target,
            _wrap(move.label, LABEL_WRAP),
            {"data-name": move.name, "data-source": move.source, "data-target": move.target},
            "transition",
            title=f"{move.label}: {labels[move.source]} → {move.target_label}",
        )
        if move.source == move.target:
            edge.source, edge.route = source, "loop"
        edges.append(edge)
    for node in ends:
        edges.append(
            _Edge(
                node,
                end,
                [],
                {"data-source": node.key, "data-target": "end"},
                "flow",
                route="elbow" if node.row == end.row else "track",
            )
        )

    # Columns: as wide as their widest node; the gap before a column as wide
    # as the labels of the arrows entering it.
    cols = sorted({n.col for n in nodes})
    col_w = {c: max(n.w for n in nodes if n.col == c) for c in cols}
    gap = dict.fromkeys(cols, float(MIN_GAP))
    for edge in edges:
        if edge.route == "elbow" and edge.lines:
            gap[edge.target.col] = max(gap[edge.target.col], _text_w(edge.lines) + 28)
    # A procedure band is wide enough for its header (name, unit, norm).
    for band in book.bands:
        band_cols = [states[s].col for s in band.states]
        if band_cols:
            inner = [c for c in cols if min(band_cols) <= c <= max(band_cols)]
            following = [c for c in cols if c > inner[-1]]
            span = (
                gap[inner[0]] / 2
                + sum(col_w[c] for c in inner)
                + sum(gap[c] for c in inner[1:])
                + (gap[following[0]] / 2 if following else MARGIN / 2)
            )
            col_w[inner[-1]] += max(0.0, BAND_MIN_W - span)
    col_x: dict[int, float] = {}
    cursor = float(MARGIN)
    for index, col in enumerate(cols):
        if index:
            cursor += gap[col]
        col_x[col] = cursor
        cursor += col_w[col]
    width = cursor + MARGIN
    for node in nodes:
        node.x = col_x[node.col] + (col_w[node.col] - node.w) / 2
    for edge in edges:
        edge.elbow_x = col_x[edge.target.col] - gap[edge.target.col] + 8

    # Procedure bands over the columns of their states, header text wrapped
    # to the band's width.
    bands: list[tuple[Band, float, float, list[str]]] = []
    for band in book.bands:
        band_cols = [states[s].col for s in band.states]
        if not band_cols:
            continue
        first, last_col = min(band_cols), max(band_cols)
        following = [c for c in cols if c > last_col]
        left = col_x[first] - gap[first] / 2
        right = col_x[last_col] + col_w[last_col] + (gap[following[0]] / 2 if following else MARGIN / 2)
        chars = int((right - left - 12) / CHAR_W)
        lines = [
            *_wrap(f"{band.order}. {band.name}", chars),
            *_wrap(band.unit, chars),
            *_wrap(band.norm, chars),
        ]
        bands.append((band, left, right, lines))
    band_top = float(MARGIN)
    header_h = max((len(lines) for *_rest, lines in bands), default=0) * LINE_H + (12 if bands else 0)

    # Rows: as tall as their tallest box.
    rows = sorted({n.row for n in nodes})
    first_row = min(rows)
    loops_on_top = any(e.route == "loop" and e.source.row == first_row for e in edges)
    cursor = band_top + header_h + (LOOP_H + 2 * LINE_H + 8 if loops_on_top else 2 * LINE_H + 8)
    row_cy: dict[int, float] = {}
    for row in rows:
        row_h = max(n.h for n in nodes if n.row == row)
        row_cy[row] = cursor + row_h / 2
        cursor += row_h + ROW_GAP
    for node in nodes:
        node.cy = row_cy[node.row]
    bottom = max(n.bottom for n in nodes)
    track_y = bottom + 2 * LINE_H + 10
    height = track_y + MARGIN + 8

    # Ports: arrows entering the same node from the left enter at different
    # heights, their labels above (upper half) or below (lower half).
    incoming: dict[int, list[_Edge]] = defaultdict(list)
    for edge in edges:
        if edge.route == "elbow":
            incoming[id(edge.target)].append(edge)
    for group in incoming.values():
        group.sort(key=lambda e: (e.source.cy, e.source.x))
        count = len(group)
        target = group[0].target
        spacing = min(16.0, (target.h - 12) / (count - 1)) if count > 1 and target.kind == "state" else 0.0
        for index, edge in enumerate(group):
            edge.port = (index - (count - 1) / 2) * spacing
            edge.label_below = count > 1 and index >= count / 2

    return _Layout(
        nodes=nodes,
        edges=edges,
        bands=bands,
        band_top=band_top,
        header_h=header_h,
        width=width,
        height=height,
        track_y=track_y,
    )


# --- drawing ----------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _text(lines: list[str], *, x: float, y: float, anchor: str = "middle", extra: str = "") -> str:
    """Lines of text, the first baseline at y."""
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(y + i * LINE_H)}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}"{extra}>{spans}</text>'


INK = ' fill="#212529"'
HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" fill="#212529"'


def _edge_svg(edge: _Edge, track_y: float) -> str:
    source, target = edge.source, edge.target
    label = ""
    if edge.route == "loop":
        x1, x2, top = source.cx + 14, source.cx - 14, source.top
        d = f"M{_n(x1)},{_n(top)} C{_n(x1 + 8)},{_n(top - LOOP_H)} {_n(x2 - 8)},{_n(top - LOOP_H)} {_n(x2)},{_n(top)}"
        if edge.lines:
            first = top - LOOP_H + 2 - (len(edge.lines) - 1) * LINE_H
            label = _text(edge.lines, x=source.cx, y=first, extra=HALO)
    elif edge.route == "track":
        end_y = target.cy + EVENT_R
        d = f"M{_n(source.cx)},{_n(source.bottom)} V{_n(track_y)} H{_n(target.cx)} V{_n(end_y)}"
    else:
        ty = target.cy + edge.port
        tx = target.x
        if source.kind == "choice" and abs(source.cy - ty) > 1:
            down = ty > source.cy
            sy = source.cy + (CHOICE_R if down else -CHOICE_R)
            from_x = source.cx
            d = f"M{_n(source.cx)},{_n(sy)} V{_n(ty)} H{_n(tx)}"
        elif abs(source.cy - ty) < 0.5:
            from_x = source.right
            d = f"M{_n(source.right)},{_n(ty)} H{_n(tx)}"
        else:
            from_x = max(edge.elbow_x, source.right + 8)
            d = f"M{_n(source.right)},{_n(source.cy)} H{_n(from_x)} V{_n(ty)} H{_n(tx)}"
        if edge.lines:
            mid = (from_x + tx) / 2
            if edge.label_below:
                first = ty + LINE_H
            else:
                first = ty - 6 - (len(edge.lines) - 1) * LINE_H
            label = _text(edge.lines, x=mid, y=first, extra=HALO)
    attrs = "".join(f' {k}="{_attr(v)}"' for k, v in edge.attrs.items())
    title = f"<title>{escape(edge.title)}</title>" if edge.title else ""
    colour = "#212529" if edge.css == "transition" else "#6c757d"
    return (
        f'<g class="{edge.css}"{attrs}>{title}'
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5" marker-end="url(#arrow)"/>'
        f"{label}</g>"
    )


def _node_svg(node: _Node, *, title: str) -> str:
    if node.kind == "state":
        fill = FILLS.get(node.key, "#e9ecef")
        first = node.cy - (len(node.lines) - 1) * LINE_H / 2 + 4
        return (
            f'<g class="state" data-state="{_attr(node.key)}"><title>{escape(title)}</title>'
            f'<rect x="{_n(node.x)}" y="{_n(node.top)}" width="{_n(node.w)}" height="{_n(node.h)}" '
            f'rx="10" fill="{fill}" stroke="#495057" stroke-width="1.5"/>'
            f"{_text(node.lines, x=node.cx, y=first, extra=INK)}</g>"
        )
    if node.kind == "choice":
        r = CHOICE_R
        return (
            f'<g class="choice" data-after="{_attr(node.key)}"><title>{escape(title)}</title>'
            f'<path d="M{_n(node.cx)},{_n(node.cy - r)} L{_n(node.cx + r)},{_n(node.cy)} '
            f'L{_n(node.cx)},{_n(node.cy + r)} L{_n(node.cx - r)},{_n(node.cy)} Z" '
            f'fill="#fff3cd" stroke="#495057" stroke-width="1.5"/></g>'
        )
    rings = (
        f'<circle cx="{_n(node.cx)}" cy="{_n(node.cy)}" r="{EVENT_R}" fill="#ffffff" '
        f'stroke="{"#198754" if node.kind == "start" else "#212529"}" stroke-width="2"/>'
    )
    if node.kind == "end":
        rings += (
            f'<circle cx="{_n(node.cx)}" cy="{_n(node.cy)}" r="{EVENT_R - 4}" fill="none" '
            f'stroke="#212529" stroke-width="2"/>'
        )
    caption = _text([title], x=node.cx, y=node.cy - EVENT_R - 6, extra=INK)
    return f'<g class="event {node.kind}"><title>{escape(title)}</title>{rings}{caption}</g>'


def handbook_svg(*, service_code: str, version: ReglamentVersion | None) -> str:
    """G6: the business-process handbook of a service as a standalone SVG
    document, in the current language."""
    book = handbook(service_code=service_code, version=version)
    layout = _layout(book)
    title = gettext("Business-process handbook: %(service)s") % {"service": book.title}
    desc = gettext(
        "Start and end, the states of a request, the choices and the transitions between them, "
        "and the procedures with who performs them and their time norms."
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(layout.width)}" '
        f'height="{_n(layout.height)}" viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" '
        f'role="img" aria-labelledby="handbook-title handbook-desc" '
        f'xml:lang="{_attr(get_language() or "ru")}" font-family="{_attr(FONT)}" font-size="12">',
        f'<title id="handbook-title">{escape(title)}</title>',
        f'<desc id="handbook-desc">{escape(desc)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#212529"/>'
        "</marker></defs>",
        f'<rect width="{_n(layout.width)}" height="{_n(layout.height)}" fill="#ffffff"/>',
        '<g class="procedures">',
    ]
    for index, (band, left, right, lines) in enumerate(layout.bands):
        band_height = layout.height - layout.band_top - MARGIN / 2
        parts.append(
            f'<g class="procedure" data-procedure="{_attr(band.code)}">'
            f'<rect x="{_n(left)}" y="{_n(layout.band_top)}" width="{_n(right - left)}" '
            f'height="{_n(band_height)}" fill="{BAND_FILLS[index % 2]}" stroke="#ced4da"/>'
            f'<line x1="{_n(left)}" y1="{_n(layout.band_top + layout.header_h)}" x2="{_n(right)}" '
            f'y2="{_n(layout.band_top + layout.header_h)}" stroke="#ced4da"/>'
            f"{_text(lines, x=left + 6, y=layout.band_top + LINE_H, anchor='start', extra=INK)}"
            "</g>"
        )
    parts.append("</g>")

    parts.append('<g class="arrows">')
    parts += [_edge_svg(edge, layout.track_y) for edge in layout.edges if edge.css == "flow"]
    parts += [_edge_svg(edge, layout.track_y) for edge in layout.edges if edge.css == "transition"]
    parts.append("</g>")

    labels = {step.value: step.label for step in book.steps}
    names = {
        "start": pgettext("handbook", "Start"),
        "end": pgettext("handbook", "End"),
        "choice": pgettext("handbook", "Choice"),
    }
    parts.append('<g class="nodes">')
    for node in layout.nodes:
        parts.append(_node_svg(node, title=labels[node.key] if node.kind == "state" else names[node.kind]))
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"
