"""How a feature is declared: metadata, input schema, credit rule and run function.

Everything else (REST routes, Gradio forms and endpoints, validation, credit
quotes, docs) is derived from these declarations.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipelines.errors import InputError

KINDS = ("text", "int", "float", "bool", "choice", "image")
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_UPLOAD_BYTES = 20 * 2**20
MAX_UPLOAD_PIXELS = 40_000_000


def camel(name: str) -> str:
    """snake_case → camelCase (the REST and Gradio API spelling)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Field:
    """One input of a feature, with its limits."""

    name: str
    kind: str
    label: str
    default: Any = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] = ()  # strings for "choice"; allowed numbers for "int"
    labels: tuple[str, ...] = ()  # what the UI shows for each choice, in the same order
    max_length: int | None = None
    help: str = ""
    multiline: bool = False
    placeholder: str = ""
    preview: str = ""  # "voice" or "music": the UI offers to hear the chosen value

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} for {self.name}")
        if self.labels and len(self.labels) != len(self.choices):
            raise ValueError(f"{self.name}: one label per choice")
        if self.choices and self.kind not in ("choice", "int"):
            raise ValueError(f"{self.name}: only choice and int fields have choices")

    @classmethod
    def options(
        cls, name: str, label: str, options: Mapping[str, Any], default: str, **extra: Any
    ) -> Field:
        """A choice field over a data file's entries (name → an object with a `.label`):
        the choices and what the UI shows for them both come from the data."""
        labels = tuple(option.label for option in options.values())
        return cls(
            name, "choice", label, default=default, choices=tuple(options), labels=labels, **extra
        )

    @classmethod
    def seed(cls, help: str, label: str = "Seed") -> Field:
        """The optional seed every generating feature takes (empty: a random one)."""
        return cls(
            "seed",
            "int",
            label,
            default=None,
            minimum=0,
            maximum=2**32 - 1,
            help=help,
            placeholder="random",
        )

    @property
    def api_name(self) -> str:
        return camel(self.name)

    def json_schema(self) -> dict[str, Any]:
        """JSON schema of this field as the REST API accepts it."""
        types = {
            "text": "string",
            "int": "integer",
            "float": "number",
            "bool": "boolean",
            "choice": "string",
            "image": "string",
        }
        schema: dict[str, Any] = {"type": types[self.kind], "title": self.label}
        if self.help:
            schema["description"] = self.help
        if self.default is not None:
            schema["default"] = self.default
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.step is not None and self.kind == "int":
            schema["multipleOf"] = self.step
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.kind == "image":
            schema["format"] = "binary"
        return schema

    def coerce(self, value: Any) -> Any:
        """Check one value against this field; returns the cleaned value or raises InputError."""
        if value is None or (isinstance(value, str) and value.strip() == "" and not self.required):
            if self.required:
                raise InputError(self.api_name, "is required")
            return self.default
        if self.kind == "text":
            if not isinstance(value, str):
                raise InputError(self.api_name, "must be a string")
            value = value.strip()
            if self.required and not value:
                raise InputError(self.api_name, "must not be empty")
            if self.max_length is not None and len(value) > self.max_length:
                raise InputError(
                    self.api_name, f"must be at most {self.max_length} characters, got {len(value)}"
                )
            return value
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "off"):
                return value.lower() in ("true", "1", "on")
            raise InputError(self.api_name, "must be true or false")
        if self.kind == "choice":
            if value not in self.choices:
                raise InputError(self.api_name, f"must be one of {', '.join(self.choices)}")
            return value
        if self.kind in ("int", "float"):
            number = self._number(value)
            if self.choices and number not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices)
                raise InputError(self.api_name, f"must be one of {allowed}, got {number}")
            return number
        return self._image(value)

    def _image(self, value: Any) -> bytes:
        """Check an upload by its content: a real PNG/JPEG/WebP within size and pixel limits."""
        from PIL import Image, UnidentifiedImageError

        if not isinstance(value, bytes | bytearray):
            raise InputError(self.api_name, "must be an uploaded image file")
        if len(value) > MAX_UPLOAD_BYTES:
            limit = MAX_UPLOAD_BYTES // 2**20
            raise InputError(
                self.api_name, f"must be at most {limit} MB, got {len(value) / 2**20:.1f} MB"
            )
        try:
            with Image.open(io.BytesIO(value)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InputError(self.api_name, "is not an image PIL can read") from None
        except Image.DecompressionBombError:
            raise InputError(self.api_name, "has too many pixels") from None
        if kind not in IMAGE_FORMATS:
            raise InputError(self.api_name, f"must be PNG, JPEG or WebP, got {kind}")
        if width * height > MAX_UPLOAD_PIXELS:
            raise InputError(self.api_name, f"must be at most 40 megapixels, got {width}x{height}")
        if min(width, height) < 64:
            raise InputError(
                self.api_name, f"must be at least 64 px on each side, got {width}x{height}"
            )
        return bytes(value)

    def _number(self, value: Any) -> int | float:
        if isinstance(value, bool):
            raise InputError(self.api_name, "must be a number")
        try:
            if isinstance(value, str):
                value = float(value)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise InputError(self.api_name, "must be a number")
        except (ValueError, OverflowError):  # "abc", or an int too large for a float
            raise InputError(self.api_name, "must be a number") from None
        if self.kind == "int":
            if float(value) != int(value):
                raise InputError(self.api_name, "must be a whole number")
            value = int(value)
        if self.minimum is not None and value < self.minimum:
            raise InputError(self.api_name, f"must be at least {_fmt(self.minimum)}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise InputError(self.api_name, f"must be at most {_fmt(self.maximum)}, got {value}")
        if self.kind == "int" and self.step and (value - (self.minimum or 0)) % self.step:
            raise InputError(self.api_name, f"must be a multiple of {_fmt(self.step)}, got {value}")
        return value


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@dataclass(frozen=True)
class TextModel:
    """An OpenAI-compatible chat server (Ollama, vLLM, llama.cpp, LM Studio)."""

    url: str  # the base URL, e.g. http://127.0.0.1:11434/v1
    model: str
    key: str = ""


@dataclass(frozen=True)
class Services:
    """Outside services a deployment configures; validation and runs may depend on them."""

    text_model: TextModel | None = None


NO_SERVICES = Services()


class RunContext(Protocol):
    """What the worker hands a run function: where to write, how to report, which device."""

    work_dir: Path
    models_dir: Path
    model_preset: str
    device: str
    services: Services

    def progress(self, percent: float, stage: str, preview: Any = None) -> None:
        """Report progress; raises (e.g. when the job was cancelled) to stop the run."""


@dataclass
class SubContext:
    """A RunContext for one part of a run: its own folder and a slice of the progress bar.

    A recipe that calls another (keyframes through the SDXL recipe, say) hands it one, so the
    inner recipe's 0–100 % lands inside [low, high] of the job's bar under `stage`.
    """

    parent: RunContext
    work_dir: Path
    low: float
    high: float
    stage: str

    @property
    def models_dir(self) -> Path:
        return self.parent.models_dir

    @property
    def model_preset(self) -> str:
        return self.parent.model_preset

    @property
    def device(self) -> str:
        return self.parent.device

    @property
    def services(self) -> Services:
        return self.parent.services

    def progress(self, percent: float, stage: str, preview: Any = None) -> None:
        share = self.low + (self.high - self.low) * max(0.0, min(100.0, percent)) / 100
        self.parent.progress(share, f"{self.stage}: {stage}", preview)


@dataclass
class Output:
    """One file a run produced, in ctx.work_dir."""

    name: str
    path: Path
    content_type: str


@dataclass
class RunResult:
    outputs: list[Output]
    metrics: dict[str, Any] = field(default_factory=dict)


RunFn = Callable[[dict[str, Any], RunContext], RunResult]
# A check over the cleaned inputs (and the configured services); raises InputError.
CheckFn = Callable[[dict[str, Any], Services], None]


@dataclass(frozen=True)
class Feature:
    """A feature declared once; the rest of the studio derives from this."""

    id: str
    title: str
    slug: str
    description: str
    fields: tuple[Field, ...]
    output_kind: str  # "images" | "video"
    cost: Callable[[dict[str, Any]], int]
    cost_rule: str
    run: RunFn | None = None
    checks: tuple[CheckFn, ...] = ()
    # What the UI needs to know, declared here so it never tests a feature id:
    loads_recipe: bool = False  # its PNGs carry their settings: offer to load one into the form
    test_model_defaults: dict[str, Any] = field(default_factory=dict)  # quick values on `tiny`
    # Where its jobs wait: minutes-long renders go on the "video" queue (its own workers when
    # the deployment separates queues), and a higher priority is taken first from a queue, so
    # a cheap image is never stuck behind a row of videos.
    queue: str = "default"
    priority: int = 0

    @property
    def available(self) -> bool:
        return self.run is not None

    @property
    def uploads(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind == "image")

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name or f.api_name == name:
                return f
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields}

    def validate(self, raw: dict[str, Any], services: Services = NO_SERVICES) -> dict[str, Any]:
        """Clean inputs given by REST (camelCase) or Python (snake_case) names."""
        known = {f.api_name for f in self.fields} | {f.name for f in self.fields}
        unknown = sorted(k for k in raw if k not in known)
        if unknown:
            raise InputError(unknown[0], "is not a field of this feature")
        cleaned = {}
        for f in self.fields:
            value = raw.get(f.api_name, raw.get(f.name))
            cleaned[f.name] = f.coerce(value)
        for check in self.checks:
            check(cleaned, services)
        return cleaned

    def json_schema(self) -> dict[str, Any]:
        """Request body schema for the REST route and the docs."""
        return {
            "title": f"{self.title} request",
            "type": "object",
            "properties": {f.api_name: f.json_schema() for f in self.fields},
            "required": [f.api_name for f in self.fields if f.required],
            "additionalProperties": False,
        }


QUEUES = ("default", "video")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_declaration(feature: Feature) -> None:
    """Raise ValueError if a declaration is incomplete (used by the registry at import)."""
    if not _SLUG.match(feature.slug):
        raise ValueError(f"{feature.id}: slug {feature.slug!r} is not kebab-case")
    if feature.output_kind not in ("images", "video"):
        raise ValueError(f"{feature.id}: unknown output kind {feature.output_kind!r}")
    if feature.queue not in QUEUES:
        raise ValueError(f"{feature.id}: unknown queue {feature.queue!r}; one of {QUEUES}")
    names = [f.name for f in feature.fields]
    if len(names) != len(set(names)):
        raise ValueError(f"{feature.id}: duplicate field names")
    defaults = {f.name: f.default for f in feature.fields}
    if feature.cost(defaults) <= 0:
        raise ValueError(f"{feature.id}: cost must be positive")
