"""The lesson drawn with Manim Community, beat by beat, in one of four styles.

Every style shows a title card, a chapter card per section, the subject's diagram building up
one piece per sentence, a key-term callout as its word is spoken, a recap card and an outro.
Styles differ in how things arrive: whiteboard draws line art stroke by stroke with a hand
holding a marker; explainer uses flat filled shapes, icons and callout bubbles; motion
graphics slams words in (kinetic type) over moving shapes; 3d-cgi puts the diagram on a stage
in a ThreeDScene and moves the camera. Run times come from the beats (the narration), and the
frame counter keeps every beat on its planned frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.lesson import diagrams
from pipelines.lesson.catalog import Style, Subject
from pipelines.lesson.encode import FramePipe, writer_class
from pipelines.lesson.schedule import Beat
from pipelines.lesson.storyboard import Storyboard

log = logging.getLogger(__name__)

CALLOUT_AT = (4.3, 2.95)  # top right, clear of the heading and the caption band
PHI = 50  # the 3D camera's tilt, degrees: clearly 3D, text on the stage still readable
PARK = (8.6, -5.2, 0)  # the whiteboard hand rests off the board between strokes


def render(
    storyboard: Storyboard,
    beats: list[Beat],
    style: Style,
    subject: Subject,
    pipe: FramePipe,
    *,
    work_dir: Path,
    on_beat: Callable[[int, Beat], None],
) -> None:
    """Draw every beat into `pipe`; on_beat(i, beat) runs before each (it may raise to cancel)."""
    import manim as mn

    width, height = pipe.size
    options = {
        "pixel_width": width,
        "pixel_height": height,
        "frame_rate": pipe.fps,
        "background_color": mn.ManimColor(style.background),
        "media_dir": str(work_dir / "manim"),
        "disable_caching": True,
        "verbosity": "WARNING",
        "progress_bar": "none",
    }
    three_d = style.renderer == "3d"
    base = mn.ThreeDScene if three_d else mn.Scene

    class Lesson(base):  # type: ignore[misc, valid-type]
        def construct(self) -> None:
            Director(self, storyboard, beats, style, subject, pipe, on_beat).run()

    with mn.tempconfig(options):
        camera = mn.ThreeDCamera if three_d else mn.Camera
        renderer = mn.CairoRenderer(file_writer_class=writer_class(pipe), camera_class=camera)
        Lesson(renderer=renderer).render()


class Director:
    """Plays the beats on a scene; style decides how each thing arrives."""

    def __init__(
        self,
        scene: Any,
        storyboard: Storyboard,
        beats: list[Beat],
        style: Style,
        subject: Subject,
        pipe: FramePipe,
        on_beat: Callable[[int, Beat], None],
    ) -> None:
        import manim as mn

        self.mn, self.scene, self.board, self.beats = mn, scene, storyboard, beats
        self.style, self.subject, self.pipe, self.on_beat = style, subject, pipe, on_beat
        self.kind = style.renderer
        self.pieces: list[Any] = []
        self.callout: Any = None
        self.heading: Any = None
        self.hand: Any = None
        self.first_step = 0
        self.decor: list[Any] = []

    # timing ------------------------------------------------------------------------------
    def now(self) -> float:
        return self.pipe.frames / self.pipe.fps

    def until(self, seconds: float) -> None:
        """Hold (cheap: a repeated frame) until `seconds` of video have been drawn."""
        frames = round(seconds * self.pipe.fps) - self.pipe.frames
        if frames > 0:
            self.scene.wait((frames + 0.5) / self.pipe.fps)

    def play(self, *animations: Any, run_time: float) -> None:
        frames = max(1, round(run_time * self.pipe.fps))
        self.scene.play(*animations, run_time=frames / self.pipe.fps - 1e-6)

    # the lesson --------------------------------------------------------------------------
    def run(self) -> None:
        self.setup()
        for index, beat in enumerate(self.beats):
            self.on_beat(index, beat)
            getattr(self, beat.kind)(beat)
            self.until(beat.end)

    def setup(self) -> None:
        mn, scene = self.mn, self.scene
        if self.kind == "3d":
            scene.set_camera_orientation(phi=PHI * mn.DEGREES, theta=-90 * mn.DEGREES, zoom=0.95)
            globe = mn.Sphere(radius=0.7, resolution=(6, 10)).move_to([0.0, 4.6, 1.4])
            globe.set_color(self.style.accents[0]).set_opacity(0.9)
            # no floor: the camera sorts by depth, and a big floor would hide the blocks
            scene.add(globe)
        elif self.kind == "kinetic":
            shapes = [
                mn.Square(side_length=2.4).set_stroke(self.style.accents[1], 6, opacity=0.35),
                mn.Circle(radius=1.5).set_stroke(self.style.accents[0], 6, opacity=0.35),
                mn.Triangle().scale(1.3).set_stroke(self.style.accents[2], 6, opacity=0.35),
            ]
            for shape, spot, speed in zip(
                shapes,
                ([-6.0, -3.0, 0], [6.2, 2.6, 0], [6.0, -3.1, 0]),
                (0.4, -0.3, 0.5),
                strict=True,
            ):
                shape.move_to(spot)
                shape.add_updater(lambda m, dt, s=speed: m.rotate(s * dt))
                scene.add(shape)
            self.decor = shapes
        elif self.kind == "whiteboard":
            self.hand = make_hand(self.mn)
            self.hand.move_to([8.5, -5.0, 0])

    def clear(self, run_time: float = 0.5) -> None:
        keep = set(map(id, self.decor))
        gone = [m for m in self.scene.mobjects if id(m) not in keep and m is not self.hand]
        if self.kind == "3d":
            gone = [m for m in gone if not isinstance(m, self.mn.Surface)]
        if gone:
            self.play(*(self.mn.FadeOut(m) for m in gone), run_time=run_time)
        self.callout = None

    def fixed(self, *mobjects: Any) -> None:
        """Text that stays flat to the viewer even when the 3D camera moves."""
        if self.kind == "3d":
            self.scene.add_fixed_in_frame_mobjects(*mobjects)

    def text(self, content: str, size: float, color: str | None = None, bold: bool = False):
        return diagrams.text(content, self.style, size, color, bold)

    # beats -------------------------------------------------------------------------------
    def title(self, beat: Beat) -> None:
        mn = self.mn
        name = diagrams.fit(self.text(self.board.topic, 80, bold=True), 11.5)
        tag = self.text(f"{self.subject.label} lesson", 34, self.style.accents[0])
        icon = make_icon(mn, self.subject.icon, self.style).scale(0.9)
        group = mn.VGroup(icon, name, tag).arrange(mn.DOWN, buff=0.4).move_to([0, 0.5, 0])
        self.fixed(group)
        self.arrive(group, min(2.0, beat.length * 0.6))

    def chapter(self, beat: Beat) -> None:
        mn = self.mn
        self.clear(0.4)
        section = self.board.sections[beat.section]
        number = self.text(f"Chapter {beat.section + 1}", 36, self.style.accents[1])
        name = diagrams.fit(self.text(section.title, 64, bold=True), 11.0)
        bar = mn.Line([-3, 0, 0], [3, 0, 0], stroke_width=8, color=self.style.accents[0])
        card = mn.VGroup(number, name, bar).arrange(mn.DOWN, buff=0.35).move_to([0, 0.4, 0])
        self.fixed(card)
        self.arrive(card, min(1.2, beat.length * 0.4))
        self.until(beat.end - 0.4)
        self.play(mn.FadeOut(card), run_time=0.35)
        self.heading = diagrams.fit(self.text(section.title, 34, self.style.muted, True), 6.5)
        self.heading.to_corner(mn.UL, buff=0.45)
        self.fixed(self.heading)
        self.scene.add(self.heading)
        steps = section.steps
        self.first_step = beat_step = next(
            b.step for b in self.beats[self.beats.index(beat) :] if b.kind == "step"
        )
        texts = [s.text for s in steps]
        self.pieces = diagrams.build(
            self.subject.diagram, [s.label for s in steps], self.board.topic, texts, self.style
        )
        if self.kind == "3d":
            for piece in self.pieces:
                raise_blocks(mn, piece)
        log.debug("section %d from step %d: %d pieces", beat.section, beat_step, len(self.pieces))

    def step(self, beat: Beat) -> None:
        mn = self.mn
        assert beat.speech is not None
        piece = self.pieces[beat.step - self.first_step]
        step = self.board.steps[beat.step]
        said = beat.speech[1] - beat.speech[0]
        card = getattr(piece, "card", None)
        if card is not None and beat.step > self.first_step:
            previous = self.pieces[beat.step - self.first_step - 1].card
            self.play(mn.FadeOut(previous), run_time=0.3)
        # 3D re-renders the whole stage on every frame the camera moves: keep moves short
        build = min(1.4 if self.kind == "3d" else 2.2, max(0.6, said * 0.45))
        if self.kind == "3d":
            self.move_camera(piece, build)
        else:
            self.arrive(piece, build)
        term = step.key_terms[0] if step.key_terms else ""
        if term:
            at = step.text.lower().find(term.lower())
            spoken = beat.speech[0] + said * max(0, at) / max(1, len(step.text))
            self.until(spoken)
            self.show_callout(term, step)
        pause = beat.end - beat.speech[1]
        self.until(beat.speech[1])
        if pause > 1.2:  # a paced pause: the new piece is built up, not left frozen
            self.emphasise(piece, min(1.0, pause - 0.3))

    def recap(self, beat: Beat) -> None:
        mn = self.mn
        self.clear(0.4)
        heading = self.text("Recap", 60, self.style.accents[0], bold=True)
        terms = self.board.recap or [s.title for s in self.board.sections]
        lines = []
        for i, term in enumerate(terms):
            mark = make_check(mn, self.style.accents[(i + 2) % len(self.style.accents)])
            words = diagrams.fit(self.text(term, 40), 8)
            lines.append(mn.VGroup(mark, words).arrange(mn.RIGHT, buff=0.35))
        body = mn.VGroup(*lines).arrange(mn.DOWN, aligned_edge=mn.LEFT, buff=0.35)
        card = mn.VGroup(heading, body).arrange(mn.DOWN, buff=0.5).move_to([0, 0.4, 0])
        self.fixed(card)
        self.arrive(heading, 0.6)
        assert beat.speech is not None
        share = max(0.4, (beat.speech[1] - self.now()) / max(1, len(lines)))
        for line in lines:
            self.arrive(line, min(1.0, share))

    def outro(self, beat: Beat) -> None:
        mn = self.mn
        self.clear(0.4)
        thanks = self.text("Keep exploring", 56, bold=True)
        name = diagrams.fit(self.text(self.board.topic, 40, self.style.accents[0]), 10)
        card = mn.VGroup(thanks, name).arrange(mn.DOWN, buff=0.4).move_to([0, 0.4, 0])
        self.fixed(card)
        self.arrive(card, min(1.2, beat.length * 0.5))
        if beat.end - self.now() > 2.0:
            self.emphasise(name, 1.0)

    # how things arrive, by style ---------------------------------------------------------
    def arrive(self, mobject: Any, run_time: float) -> None:
        mn = self.mn
        if self.kind == "whiteboard":
            self.draw_with_hand(mobject, run_time)
        elif self.kind == "kinetic":
            self.play(
                mn.LaggedStart(
                    *(mn.FadeIn(m, shift=mn.UP * 0.6, scale=1.6) for m in mobject),
                    lag_ratio=0.25,
                ),
                run_time=run_time,
            )
        elif self.kind == "flat":
            self.play(
                mn.LaggedStart(*(mn.GrowFromCenter(m) for m in mobject), lag_ratio=0.2),
                run_time=run_time,
            )
        else:
            self.play(mn.FadeIn(mobject, shift=mn.IN * 0.5), run_time=run_time)

    def draw_with_hand(self, mobject: Any, run_time: float) -> None:
        """Stroke by stroke, the marker's tip on the line being drawn."""
        mn, hand = self.mn, self.hand
        strokes = [m for m in mobject.family_members_with_points()]
        if not strokes:
            return
        if hand not in self.scene.mobjects:
            self.scene.add(hand)

        def follow(_: Any, alpha: float) -> None:
            position = min(len(strokes) - 1, int(alpha * len(strokes)))
            local = alpha * len(strokes) - position
            try:
                point = strokes[position].point_from_proportion(min(1.0, max(0.0, local)))
            except (
                ValueError,
                IndexError,
                ZeroDivisionError,
            ):  # a stroke without length: stay on its centre
                point = strokes[position].get_center()
            hand.shift(point - hand[0].get_center())

        self.play(
            mn.Create(mobject, lag_ratio=1.0),
            mn.UpdateFromAlphaFunc(mn.Mobject(), follow),
            run_time=run_time,
        )
        self.scene.bring_to_front(hand)
        self.play(hand.animate.shift(mn.np.array(PARK) - hand[0].get_center()), run_time=0.25)

    def move_camera(self, piece: Any, run_time: float) -> None:
        """3D: the camera swings towards the new piece while it rises onto the stage."""
        mn = self.mn
        x = float(piece.get_center()[0])
        theta = -90 + max(-20.0, min(20.0, x * 4.0))
        phi = PHI + (self.pipe.frames // 7) % 3 * 4
        self.scene.move_camera(
            phi=phi * mn.DEGREES,
            theta=theta * mn.DEGREES,
            added_anims=[mn.FadeIn(piece, shift=mn.OUT * 0.6)],
            run_time=round(run_time * self.pipe.fps) / self.pipe.fps - 1e-6,
        )

    def show_callout(self, term: str, step: Any) -> None:
        mn = self.mn
        color = self.style.accents[1]
        words = diagrams.fit(
            self.text(term, 40, color if self.kind != "kinetic" else None, bold=True), 4.2
        )
        if self.kind == "kinetic":
            box = mn.Rectangle(width=words.width + 0.6, height=words.height + 0.4)
            box.set_fill(color, 1).set_stroke(width=0)
        elif self.kind == "whiteboard":
            box = mn.SurroundingRectangle(words, buff=0.2, color=color, corner_radius=0.15)
        else:
            box = mn.RoundedRectangle(
                corner_radius=0.2, width=words.width + 0.6, height=words.height + 0.45
            )
            box.set_fill(self.style.card, 0.95).set_stroke(color, 4)
        tag = self.text("key term", 20, self.style.muted)
        callout = mn.VGroup(box, words.move_to(box))
        tag.next_to(callout, mn.UP, buff=0.08, aligned_edge=mn.LEFT)
        callout = mn.VGroup(callout, tag).move_to([*CALLOUT_AT, 0])
        self.fixed(callout)
        if self.callout is not None:
            self.play(mn.FadeOut(self.callout), run_time=0.2)
        if self.kind == "kinetic":
            callout.rotate(0.06)
            self.play(mn.FadeIn(callout, scale=2.5), run_time=0.35)
        elif self.kind == "whiteboard":
            self.draw_with_hand(callout, 0.6)
        else:
            self.play(mn.GrowFromCenter(callout), run_time=0.4)
        self.callout = callout

    def emphasise(self, mobject: Any, run_time: float) -> None:
        mn = self.mn
        if self.kind == "kinetic":
            self.play(mn.Wiggle(mobject, scale_value=1.08), run_time=run_time)
        elif self.kind == "whiteboard":
            ring = mn.SurroundingRectangle(mobject, color=self.style.accents[1], buff=0.15)
            self.draw_with_hand(ring, run_time * 0.7)
            self.play(mn.FadeOut(ring), run_time=run_time * 0.3)
        else:
            self.play(
                mn.Indicate(mobject, color=self.style.accents[2], scale_factor=1.05),
                run_time=run_time,
            )


def raise_blocks(mn: Any, piece: Any) -> None:
    """3D: each node's flat shape becomes the lid of a solid block standing on the stage."""
    shapes = [
        m
        for m in piece.family_members_with_points()
        if isinstance(m, mn.RoundedRectangle | mn.Rectangle | mn.Circle | mn.Ellipse)
        and m.width > 0.8
    ]
    for shape in shapes:
        block = mn.Prism(dimensions=[shape.width, shape.height, 0.5])
        block.move_to(shape.get_center() + mn.IN * 0.3)
        block.set_fill(shape.get_stroke_color(), 0.45).set_stroke(width=0)
        piece.add_to_back(block)
    piece.shift(mn.OUT * 0.02)


def make_hand(mn: Any) -> Any:
    """A hand holding a marker; [0] is the marker's tip (the point that draws)."""
    tip = mn.Dot(radius=0.01, fill_opacity=0)
    marker = mn.Polygon(
        [0, 0, 0], [0.18, 0.3, 0], [0.75, 1.35, 0], [0.55, 1.45, 0], [0.0, 0.4, 0], color="#333333"
    ).set_fill("#333333", 1)
    cap = mn.Rectangle(width=0.28, height=0.9).rotate(-0.48).move_to([0.82, 1.78, 0])
    cap.set_fill("#c62828", 1).set_stroke("#8e1b1b", 2)
    skin = "#f1c7a5"
    palm = mn.Ellipse(width=1.5, height=1.1).move_to([1.05, 1.2, 0]).rotate(0.5)
    thumb = mn.Ellipse(width=0.9, height=0.38).move_to([0.55, 0.85, 0]).rotate(1.0)
    finger = mn.Ellipse(width=1.0, height=0.35).move_to([0.5, 1.25, 0]).rotate(0.9)
    sleeve = mn.Rectangle(width=1.2, height=1.4).rotate(0.5).move_to([1.75, 2.1, 0])
    sleeve.set_fill("#3d5a80", 1).set_stroke("#2b3f5c", 2)
    for part in (palm, thumb, finger):
        part.set_fill(skin, 1).set_stroke("#c99a7a", 2)
    return mn.VGroup(tip, marker, cap, sleeve, palm, finger, thumb).scale(
        0.6, about_point=mn.ORIGIN
    )


def make_check(mn: Any, color: str) -> Any:
    return (
        mn.VMobject()
        .set_points_as_corners([[-0.25, 0.0, 0], [-0.05, -0.22, 0], [0.3, 0.3, 0]])
        .set_stroke(color, 8)
    )


def make_icon(mn: Any, name: str, style: Style) -> Any:
    """A simple flat icon for the subject, from shapes (no image files needed)."""
    ink, accent = style.accents[0], style.accents[2 % len(style.accents)]
    if name == "leaf":
        leaf = mn.Ellipse(width=1.6, height=0.8).rotate(0.6).set_fill(accent, 0.8)
        vein = mn.Line([-0.6, -0.4, 0], [0.6, 0.45, 0], stroke_width=4)
        return mn.VGroup(leaf.set_stroke(ink, 4), vein.set_color(ink))
    if name == "gear":
        teeth = [
            mn.Square(0.3).move_to([0.7 * mn.np.cos(a), 0.7 * mn.np.sin(a), 0]).rotate(a)
            for a in mn.np.linspace(0, mn.TAU, 8, endpoint=False)
        ]
        body = mn.Circle(radius=0.65).set_fill(accent, 0.8)
        return mn.VGroup(
            *(t.set_fill(accent, 0.8).set_stroke(ink, 3) for t in teeth),
            body.set_stroke(ink, 4),
            mn.Circle(radius=0.22).set_stroke(ink, 4),
        )
    if name == "book":
        left = mn.Polygon([-1, 0.5, 0], [0, 0.35, 0], [0, -0.55, 0], [-1, -0.4, 0])
        right = left.copy().flip(mn.UP, about_point=mn.ORIGIN)
        return mn.VGroup(left, right).set_fill(accent, 0.7).set_stroke(ink, 4)
    if name == "scroll":
        sheet = mn.Rectangle(width=1.6, height=1.0).set_fill(accent, 0.7).set_stroke(ink, 4)
        ends = [
            mn.Circle(radius=0.18).move_to(sheet.get_edge_center(d)).set_stroke(ink, 4)
            for d in (mn.LEFT, mn.RIGHT)
        ]
        return mn.VGroup(sheet, *ends)
    if name == "globe":
        ball = mn.Circle(radius=0.75).set_fill(accent, 0.6).set_stroke(ink, 4)
        return mn.VGroup(
            ball,
            mn.Ellipse(width=0.7, height=1.5).set_stroke(ink, 3),
            mn.Line([-0.75, 0, 0], [0.75, 0, 0]).set_stroke(ink, 3),
        )
    sigma = mn.Text("Σ", font=style.font, font_size=96, color=accent)
    return mn.VGroup(sigma)
