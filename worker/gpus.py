"""GPU utilisation and memory through NVML (nvidia-ml-py), on machines where CUDA's driver
answers; everywhere else there are no readings and no GPU metrics."""

from __future__ import annotations

import logging
import threading
from typing import Any

from studio.settings import get_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_nvml: Any = None  # the pynvml module once initialised; False when NVML is not there


def _init() -> Any:
    global _nvml
    with _lock:
        if _nvml is None:
            try:
                import pynvml

                pynvml.nvmlInit()
                _nvml = pynvml
                logger.info("NVML ready: %s GPU(s)", pynvml.nvmlDeviceGetCount())
            except Exception as exc:  # noqa: BLE001 — no package, no driver, no GPU: no readings
                logger.info("no GPU readings (%s)", exc)
                _nvml = False
        return _nvml


def visible_indices(count: int, visible: str) -> list[int]:
    """The host GPU indices this process may use (CUDA_VISIBLE_DEVICES, numbers only)."""
    if not visible.strip():
        return list(range(count))
    wanted = [part.strip() for part in visible.split(",")]
    return [int(part) for part in wanted if part.isdigit() and int(part) < count]


def gpu_readings() -> list[dict[str, Any]]:
    """One reading per GPU this worker owns: index, name, utilisation %, memory bytes."""
    nvml = _init()
    if not nvml:
        return []
    readings = []
    try:
        for index in visible_indices(
            nvml.nvmlDeviceGetCount(), get_settings().cuda_visible_devices
        ):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = nvml.nvmlDeviceGetName(handle)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            readings.append(
                {
                    "index": index,
                    "name": name.decode() if isinstance(name, bytes) else str(name),
                    "utilization": float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu),
                    "memoryUsed": int(memory.used),
                    "memoryTotal": int(memory.total),
                }
            )
    except Exception:  # noqa: BLE001 — a GPU fell off the bus: report what was read
        logger.warning("GPU reading failed", exc_info=True)
    return readings
