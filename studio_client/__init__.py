"""A typed Python client for the AI Studio REST API (`pip install ./studio_client`).

from studio_client import Studio

studio = Studio("http://127.0.0.1:7860", api_key="sk_studio_…")
job = studio.image_generation(prompt="a lighthouse at dusk", width=512, height=512)
job.wait()
job.download("out/")
"""

from studio_client.client import ROUTES, Studio
from studio_client.errors import StudioAPIError
from studio_client.jobs import Event, Job, JobInfo, Output

__all__ = ["ROUTES", "Event", "Job", "JobInfo", "Output", "Studio", "StudioAPIError"]
