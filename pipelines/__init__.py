"""Generation pipelines; usable as a library without the rest of the studio.

The registry of features is `pipelines.registry` (importing this package does not load it).
"""

from pipelines.declare import Feature, Field, Output, RunContext, RunResult, Services, TextModel
from pipelines.errors import InputError, ModelNotFound, PipelineError

__all__ = [
    "Feature",
    "Field",
    "InputError",
    "ModelNotFound",
    "Output",
    "PipelineError",
    "RunContext",
    "RunResult",
    "Services",
    "TextModel",
]
