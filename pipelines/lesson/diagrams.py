"""The subject's diagram, as pieces that appear one per spoken sentence.

Geometry only (Manim mobjects in the diagram area, above the caption band); how a piece is
drawn in is the scene style's business. Kinds: process (boxes and arrows), cycle (nodes round
a ring), parts (labelled parts round the topic), flow (blocks in a pipeline), equation (the
equations written out beside a graph that grows), timeline (the years on a line), quotes (a
quote card and a theme map).
"""

from __future__ import annotations

import re
from typing import Any

AREA_TOP, AREA_BOTTOM = 2.4, -2.2  # manim units; captions live below -2.6
PER_ROW = 4


def build(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    """One VGroup per label (its shape, its label and its link to what came before)."""
    builders = {
        "process": _chain,
        "flow": _chain,
        "cycle": _cycle,
        "parts": _parts,
        "equation": _equation,
        "timeline": _timeline,
        "quotes": _quotes,
    }
    pieces = builders.get(kind, _chain)(kind, labels, topic, texts, style)
    import manim as mn

    whole = mn.VGroup(*pieces)
    room = min(12.4 / max(whole.width, 1e-3), (AREA_TOP - AREA_BOTTOM) / max(whole.height, 1e-3))
    whole.scale(min(room, 1.6))  # fill the diagram area, never past it
    whole.move_to([0, (AREA_TOP + AREA_BOTTOM) / 2, 0])
    return pieces


def text(content: str, style: Any, size: float, color: str | None = None, bold: bool = False):
    import manim as mn

    return mn.Text(
        content,
        font=style.font,
        font_size=size,
        color=color or style.ink,
        weight=mn.BOLD if bold else mn.NORMAL,
    )


def fit(mobject: Any, width: float) -> Any:
    if mobject.width > width:
        mobject.scale_to_fit_width(width)
    return mobject


def _node(label: str, style: Any, color: str, kind: str):
    import manim as mn

    words = text(_wrap(label, 11 if kind in ("cycle", "parts") else 14), style, 26, style.ink)
    fit(words, 2.2)
    if kind == "flow":
        shape = mn.Rectangle(width=2.6, height=1.1)
    elif kind in ("cycle", "parts"):
        shape = mn.Circle(radius=1.0)
        fit(words, 1.7)
    else:
        shape = mn.RoundedRectangle(corner_radius=0.25, width=2.6, height=1.1)
    shape.set_stroke(color, width=5)
    shape.set_fill(color, opacity=0.18 if style.renderer != "whiteboard" else 0.0)
    return mn.VGroup(shape, words.move_to(shape))


def _chain(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    count = len(labels)
    rows = 1 if count <= PER_ROW else 2
    per_row = min(PER_ROW, count) if rows == 1 else -(-count // 2)
    pieces, previous = [], None
    for i, label in enumerate(labels):
        row, col = divmod(i, per_row)
        if row % 2:  # snake: the second row runs back, so every arrow stays short
            col = per_row - 1 - col
        x = (col - (per_row - 1) / 2) * 3.3
        y = 0.2 if rows == 1 else (1.2 - row * 2.6)
        node = _node(label, style, style.accents[i % len(style.accents)], kind)
        node.move_to([x, y, 0])
        group = mn.VGroup(node)
        if previous is not None:
            group.add(_arrow(previous[0], node[0], style))
        pieces.append(group)
        previous = node
    return pieces


def _arrow(a: Any, b: Any, style: Any):
    import manim as mn

    start, end = a.get_center(), b.get_center()
    direction = (end - start) / max(1e-6, float(mn.np.linalg.norm(end - start)))
    arrow = mn.Arrow(
        a.get_boundary_point(direction),
        b.get_boundary_point(-direction),
        buff=0.12,
        stroke_width=5,
        max_tip_length_to_length_ratio=0.3,
    )
    return arrow.set_color(style.muted)


def _cycle(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    count = max(1, len(labels))
    radius = 2.0 if count > 2 else 1.5
    center = mn.np.array([0.0, 0.1, 0.0])
    pieces, nodes = [], []
    hub = text(_wrap(topic, 14), style, 28, style.muted, bold=True)
    fit(hub, 2.0).move_to(center)
    for i, label in enumerate(labels):
        angle = mn.PI / 2 - i * mn.TAU / count
        node = _node(label, style, style.accents[i % len(style.accents)], "cycle")
        node.scale(0.85).move_to(
            center + radius * mn.np.array([1.35 * mn.np.cos(angle), mn.np.sin(angle), 0])
        )
        group = mn.VGroup(node) if i else mn.VGroup(hub, node)
        if nodes:
            group.add(
                mn.CurvedArrow(
                    nodes[-1][0].get_center(), node[0].get_center(), angle=-0.6, color=style.muted
                ).scale(0.6)
            )
        if i == count - 1 and count > 2:
            group.add(
                mn.CurvedArrow(
                    node[0].get_center(), nodes[0][0].get_center(), angle=-0.6, color=style.muted
                ).scale(0.6)
            )
        nodes.append(node)
        pieces.append(group)
    return pieces


def _parts(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    body = mn.Ellipse(width=3.4, height=2.4).set_stroke(style.ink, 5)
    body.set_fill(style.accents[2 % len(style.accents)], opacity=0.15)
    name = fit(text(_wrap(topic, 14), style, 28, style.ink, bold=True), 2.6)
    body = mn.VGroup(body, name.move_to(body)).move_to([0, 0.1, 0])
    pieces = []
    for i, label in enumerate(labels):
        side = -1 if i % 2 == 0 else 1
        y = 1.6 - (i // 2) * 1.3
        tag = fit(text(label, style, 26, style.accents[i % len(style.accents)]), 3.0)
        tag.move_to([side * 4.6, y, 0])
        anchor = body[0].point_at_angle(mn.np.arctan2(y * 0.7, side * 1.0))
        line = mn.Line(tag.get_edge_center(-side * mn.RIGHT), anchor, stroke_width=3)
        line.set_color(style.muted)
        group = mn.VGroup(tag, line, mn.Dot(anchor, color=style.ink, radius=0.06))
        pieces.append(mn.VGroup(body, group) if i == 0 else group)
    return pieces


def _equation(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    axes = mn.Axes(x_range=[0, 6, 1], y_range=[0, 6, 1], x_length=4.6, y_length=3.8, tips=True)
    axes.set_color(style.muted).move_to([3.6, 0.1, 0])
    count = max(1, len(labels))
    pieces = []
    for i, label in enumerate(labels):
        line = fit(text(label, style, 32, style.accents[i % len(style.accents)]), 6.0)
        line.move_to([-3.0, 1.9 - i * (4.0 / max(count, 4)), 0])
        low, high = 6 * i / count, 6 * (i + 1) / count
        curve = axes.plot(lambda x: 0.15 * x * x + 0.2 * x + 0.3, x_range=[low, high])
        curve.set_stroke(style.accents[0], width=6)
        group = mn.VGroup(line, curve)
        if i == 0:
            group = mn.VGroup(axes, line, curve)
        pieces.append(group)
    return pieces


def _timeline(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    count = max(1, len(labels))
    axis = mn.Line([-6.0, 0, 0], [6.0, 0, 0], stroke_width=6).set_color(style.muted)
    pieces = []
    for i, label in enumerate(labels):
        x = -5.2 + 10.4 * (i + 0.5) / count
        up = 1 if i % 2 == 0 else -1
        year = re.search(r"\b\d{3,4}(?:\s*(?:BCE|BC|CE|AD))?\b", texts[i] if i < len(texts) else "")
        color = style.accents[i % len(style.accents)]
        tick = mn.Line([x, -0.2, 0], [x, 0.2, 0], stroke_width=6, color=color)
        head = text(year.group(0) if year else f"{i + 1}", style, 30, color, bold=True)
        name = fit(text(_wrap(label, 14), style, 24, style.ink), 2.4)
        stack = mn.VGroup(head, name).arrange(mn.DOWN, buff=0.12)
        stack.move_to([x, up * 1.1, 0])
        group = mn.VGroup(tick, stack)
        pieces.append(mn.VGroup(axis, group) if i == 0 else group)
    return pieces


def _quotes(kind: str, labels: list[str], topic: str, texts: list[str], style: Any) -> list[Any]:
    import manim as mn

    hub = fit(text(_wrap(topic, 14), style, 30, style.ink, bold=True), 2.4)
    ring = mn.Circle(radius=1.1).set_stroke(style.muted, 4).move_to([3.4, 0.1, 0])
    hub.move_to(ring)
    count = max(1, len(labels))
    pieces = []
    for i, label in enumerate(labels):
        quote = fit(
            text(
                "“" + _wrap(texts[i] if i < len(texts) else label, 30) + "”", style, 24, style.ink
            ),
            5.6,
        )
        card = mn.RoundedRectangle(corner_radius=0.2, width=6.2, height=quote.height + 0.6)
        card.set_stroke(style.accents[i % len(style.accents)], 4).set_fill(style.card, 0.9)
        card_group = mn.VGroup(card, quote.move_to(card)).move_to([-3.4, 0.1, 0])
        angle = mn.PI / 2 - i * mn.TAU / count
        way = mn.np.array([mn.np.cos(angle), mn.np.sin(angle), 0])
        theme = fit(text(label, style, 24, style.accents[i % len(style.accents)]), 2.0)
        # the theme sits beyond the spoke's end, on the side the spoke points to
        end = ring.get_center() + way * mn.np.array([1.9, 1.6, 0])
        theme.move_to(end).shift(way * mn.np.array([theme.width / 2 + 0.1, 0.3, 0]))
        spoke = mn.Line(ring.get_center() + way * 1.12, end, stroke_width=3)
        spoke.set_color(style.muted)
        group = mn.VGroup(card_group, spoke, theme)
        if i == 0:
            group = mn.VGroup(ring, hub, *group)
        group.card = card_group  # the scene swaps quote cards: one on screen at a time
        pieces.append(group)
    return pieces


def _wrap(words: str, width: int) -> str:
    lines: list[str] = []
    for word in words.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines[:4])
