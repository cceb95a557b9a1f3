"""The Gradio studio (browser UI and the documented Gradio API)."""

from ui.studio import build_studio, mount_studio

__all__ = ["build_studio", "mount_studio"]
