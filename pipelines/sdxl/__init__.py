"""SDXL generation: the recipe, runtime and memory plan, weights and presets, tiny model,
samplers and styles."""
