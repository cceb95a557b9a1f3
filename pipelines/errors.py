"""Errors a pipeline raises; their messages are safe to show to a user."""


class PipelineError(Exception):
    """A generation step failed for a reason the user can act on."""


class InputError(PipelineError, ValueError):
    """An input value is not allowed; names the field (its REST name) and why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ModelNotFound(PipelineError):
    """The weights for a model preset are not installed and cannot be fetched."""
