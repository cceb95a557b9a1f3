"""The lesson engine: a script → storyboard → narration-timed Manim scenes → captioned MP4."""
