"""Generation pipelines; usable as a library without the rest of the studio."""

from pipelines.errors import InputError, ModelNotFound, PipelineError
from pipelines.features import Feature, Field, Output, RunContext, RunResult
from pipelines.registry import FEATURES, get_feature

__all__ = [
    "FEATURES",
    "Feature",
    "Field",
    "InputError",
    "ModelNotFound",
    "Output",
    "PipelineError",
    "RunContext",
    "RunResult",
    "get_feature",
]
