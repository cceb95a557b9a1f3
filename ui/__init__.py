"""The Gradio studio (browser UI and the documented Gradio API)."""

from ui.studio import build_studio, launch_options

__all__ = ["build_studio", "launch_options"]
