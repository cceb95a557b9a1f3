"""A studio image job against a direct diffusers call on the same model and parameters.

    .venv/bin/python bench/image_generation.py [--size 512] [--steps 8] [--repeat 3]

Prints: warm job / direct call (target ≤ 1.15×; the job includes queueing, the
progress writes, PNG metadata and storage), and cold job / warm job (the model
cache at work). Uses STUDIO_MODEL_PRESET (default tiny) and STUDIO_DEVICE.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import configure_studio, new_user, run_job


def direct_caller(model_path: Path, device: str, inputs: dict):
    """A function timing one plain diffusers call (pipeline loaded once, warmed up once)."""
    import torch
    from diffusers import StableDiffusionXLPipeline

    from pipelines.sdxl.runtime import pick_device
    from pipelines.sdxl.styles import load_styles

    device, dtype = pick_device(device)
    pipe = StableDiffusionXLPipeline.from_pretrained(model_path, dtype=dtype).to(device)
    pipe.set_progress_bar_config(disable=True)
    prompt, negative = load_styles()[inputs["style"]].apply(inputs["prompt"])

    def once() -> float:
        start = time.perf_counter()
        pipe(
            prompt=prompt,
            negative_prompt=negative,
            width=inputs["width"],
            height=inputs["height"],
            num_inference_steps=inputs["steps"],
            guidance_scale=5.0,
            generator=torch.Generator("cpu").manual_seed(inputs["seed"]),
        ).images[0].save(Path(tempfile.gettempdir()) / "bench-direct.png")
        return time.perf_counter() - start

    once()
    return once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    inputs = {
        "prompt": "a lighthouse at dusk",
        "style": "realistic",
        "width": args.size,
        "height": args.size,
        "steps": args.steps,
        "seed": 7,
        "guidance": 5.0,
    }
    with tempfile.TemporaryDirectory() as tmp:
        configure_studio(Path(tmp) / "data", Path(tmp) / "models")
        from pipelines.sdxl import runtime
        from pipelines.sdxl.weights import resolve_model
        from studio.settings import get_settings
        from worker.consumer import Worker

        settings = get_settings()
        model = resolve_model(settings.model_preset, settings.resolved_models_dir)
        user = new_user()
        worker = Worker()
        worker.start()
        try:
            runtime.clear_cache()
            cold_job, cold = run_job(user, "image_generation", inputs)
            direct_once = direct_caller(model.path, settings.device, inputs)
            # Interleaved, so a busy machine slows both sides alike.
            warm_times, direct_times = [], []
            for _ in range(args.repeat):
                warm_times.append(run_job(user, "image_generation", inputs)[1])
                direct_times.append(direct_once())
        finally:
            worker.stop(graceful=False)
        warm, direct = statistics.median(warm_times), statistics.median(direct_times)
    out = sys.stdout
    out.write(
        f"{model.preset} on {cold_job.metrics['device']}, {args.size}x{args.size}, "
        f"{args.steps} steps, median of {args.repeat}\n"
    )
    out.write(f"direct diffusers call   {direct:7.2f} s\n")
    out.write(
        f"warm studio job         {warm:7.2f} s   ratio {warm / direct:.3f} (target <= 1.15)\n"
    )
    out.write(
        f"cold studio job         {cold:7.2f} s   cold/warm {cold / warm:.2f} "
        f"(model load {cold_job.metrics['loadSeconds']:.2f} s)\n"
    )


if __name__ == "__main__":
    main()
