"""A feature's form, derived from its declared fields."""

from __future__ import annotations

from typing import Any

import gradio as gr

from pipelines import Feature, Field
from ui.uploads import uploaded_bytes, uploaded_path


def field_component(
    field: Field, default: Any = None, elem_id: str | None = None
) -> gr.components.Component:
    """The input component for one declared field (`default` overrides the declared one)."""
    label = field.label
    info = field.help or None
    value = field.default if default is None else default
    if field.kind == "text":
        return gr.Textbox(
            label=label,
            value=value or "",
            lines=4 if field.multiline else 1,
            max_lines=12 if field.multiline else 1,
            max_length=field.max_length,
            info=info,
            elem_id=elem_id,
        )
    if field.choices:  # a "choice" field, or an "int" field with allowed values
        labels = field.labels or tuple(choice_label(c) for c in field.choices)
        choices = list(zip(labels, field.choices, strict=True))
        return gr.Dropdown(choices=choices, value=value, label=label, info=info, elem_id=elem_id)
    if field.kind == "bool":
        return gr.Checkbox(value=bool(value), label=label, info=info, elem_id=elem_id)
    if field.kind == "image":
        return gr.Image(
            label=label,
            type="filepath",
            sources=["upload", "clipboard"],
            height=280,
            elem_id=elem_id,
        )
    if field.kind in ("int", "float") and field.minimum is not None and field.maximum is not None:
        span = field.maximum - field.minimum
        if span <= 2048 and value is not None:
            return gr.Slider(
                minimum=field.minimum,
                maximum=field.maximum,
                step=field.step or (1 if field.kind == "int" else 0.1),
                value=value,
                label=label,
                info=info,
                elem_id=elem_id,
            )
    if value is None:
        # gr.Number shows 0 for "no value", which would pin the seed; empty text means "none".
        return gr.Textbox(label=label, placeholder=field.placeholder, info=info, elem_id=elem_id)
    precision = 0 if field.kind == "int" else None
    return gr.Number(value=value, label=label, precision=precision, info=info, elem_id=elem_id)


def choice_label(choice: Any) -> str:
    """What a dropdown shows for a choice without a declared label ("18-24" stays "18-24")."""
    text = str(choice).replace("_", " ")
    return text[:1].upper() + text[1:]


def is_essential(field: Field) -> bool:
    """Shown at the top of the form; the rest (numbers, seed, …) is under "Advanced"."""
    if field.kind == "image":
        return True  # an optional one is folded under its own label, not under "Advanced"
    return field.required or field.multiline or bool(field.choices) or field.kind == "bool"


def _with_error(
    feature: Feature,
    field: Field,
    defaults: dict[str, Any],
    components: dict[str, gr.components.Component],
    errors: dict[str, gr.Markdown],
) -> None:
    elem_id = f"{feature.id}-{field.name}"
    components[field.name] = field_component(field, defaults.get(field.name), elem_id)
    # The validation message for this field lives right under it until it is fixed.
    errors[field.name] = gr.Markdown(
        visible=False, elem_classes="field-error", elem_id=f"{elem_id}-error"
    )


def build_form(
    feature: Feature, defaults: dict[str, Any] | None = None
) -> tuple[dict[str, gr.components.Component], dict[str, gr.Markdown]]:
    """Components for every field (essentials first, the rest under "Advanced settings") and
    an error line under each; both by field name."""
    defaults = defaults or {}
    components: dict[str, gr.components.Component] = {}
    errors: dict[str, gr.Markdown] = {}
    essentials = [f for f in feature.fields if is_essential(f)]
    advanced = [f for f in feature.fields if not is_essential(f)]
    uploads = [f for f in essentials if f.kind == "image" and f.required]
    optional_uploads = [f for f in essentials if f.kind == "image" and not f.required]
    if uploads:
        with gr.Row(equal_height=False):
            for f in uploads:
                with gr.Column(min_width=160):
                    _with_error(feature, f, defaults, components, errors)
    texts = [f for f in essentials if f.kind == "text"]
    options = [f for f in essentials if f.kind not in ("image", "text")]
    for f in texts:
        _with_error(feature, f, defaults, components, errors)
    for start in range(0, len(options), 2):  # short pickers two by two: a shorter form
        with gr.Row(equal_height=False):
            for f in options[start : start + 2]:
                with gr.Column(min_width=160):
                    _with_error(feature, f, defaults, components, errors)
    for f in optional_uploads:
        with gr.Accordion(f.label, open=False):
            _with_error(feature, f, defaults, components, errors)
    if advanced:
        with gr.Accordion("Advanced settings", open=False):
            for f in advanced:
                _with_error(feature, f, defaults, components, errors)
    return components, errors


def form_values(feature: Feature, components: dict[str, Any], values: dict) -> dict[str, Any]:
    """The submitted values by field name (Gradio passes a dict keyed by component)."""
    raw = {}
    for f in feature.fields:
        value = values[components[f.name]]
        if f.kind == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        if f.kind == "image" and value:
            shown = getattr(components[f.name], "temp_files", None)
            value = uploaded_bytes(value, f.api_name, shown)
        raw[f.name] = value
    return raw


def price(feature: Feature, raw: dict[str, Any]) -> int:
    """The credits the current form values cost (the defaults' price while they are invalid)."""
    values = feature.defaults() | {k: v for k, v in raw.items() if v not in (None, "")}
    try:
        return feature.cost(values)
    except (TypeError, ValueError):
        return feature.cost(feature.defaults())


def run_label(feature: Feature, raw: dict[str, Any]) -> str:
    """The Generate button's text, with the price: "Generate · 4 credits"."""
    cost = price(feature, raw)
    return f"Generate · {cost} credit{'s' if cost != 1 else ''}"


def form_updates(
    feature: Feature, components: dict[str, Any], params: dict[str, Any]
) -> dict[Any, Any]:
    """New values for a form from saved parameters (snake_case or camelCase); fields the
    parameters do not mention keep their current value."""
    updates = {}
    for f in feature.fields:
        if f.name in params or f.api_name in params:
            value = params.get(f.name, params.get(f.api_name))
            if value is None and f.default is not None:
                continue
            if value is None and f.kind in ("int", "float"):
                value = ""  # the empty box that means "automatic"
            updates[components[f.name]] = value
    return updates


def recipe_from_png(path: str) -> dict[str, Any]:
    """The parameters a studio PNG carries in its "studio" text chunk."""
    import json

    from PIL import Image

    upload = uploaded_path(path, "png")
    if upload is None:
        return {}
    with Image.open(upload) as image:
        text = getattr(image, "text", {}).get("studio")
    if not text:
        raise gr.Error("This PNG carries no AI Studio settings.")
    return json.loads(text)
