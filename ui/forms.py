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
        labels = field.labels or tuple(str(c).replace("-", " ").title() for c in field.choices)
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


def build_form(
    feature: Feature, defaults: dict[str, Any] | None = None
) -> dict[str, gr.components.Component]:
    """Components for every field, laid out: long text and uploads first, options beside."""
    defaults = defaults or {}
    components: dict[str, gr.components.Component] = {}
    uploads = [f for f in feature.fields if f.kind == "image" and f.required]
    optional_uploads = [f for f in feature.fields if f.kind == "image" and not f.required]
    main = [f for f in feature.fields if f.kind != "image" and (f.multiline or f.required)]
    options = [f for f in feature.fields if f.kind != "image" and f not in main]
    if uploads:
        with gr.Row():
            for f in uploads:
                components[f.name] = field_component(
                    f, defaults.get(f.name), f"{feature.id}-{f.name}"
                )
    for f in main:
        components[f.name] = field_component(f, defaults.get(f.name), f"{feature.id}-{f.name}")
    for start in range(0, len(options), 3):
        with gr.Row(equal_height=False):
            for f in options[start : start + 3]:
                components[f.name] = field_component(
                    f, defaults.get(f.name), f"{feature.id}-{f.name}"
                )
    for f in optional_uploads:
        with gr.Accordion(f.label, open=False):
            components[f.name] = field_component(f, defaults.get(f.name), f"{feature.id}-{f.name}")
    return components


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


def cost_text(feature: Feature, raw: dict[str, Any]) -> str:
    """'Costs N credits' for the current form values (falls back to defaults when invalid)."""
    values = feature.defaults() | {k: v for k, v in raw.items() if v not in (None, "")}
    try:
        cost = feature.cost(values)
    except (TypeError, ValueError):
        cost = feature.cost(feature.defaults())
    return f"**Cost: {cost} credits** ({feature.cost_rule})"


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
