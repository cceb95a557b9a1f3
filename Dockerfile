# AI Studio image: one image for the web process and the workers (the command picks the role).
#   docker build -t ai-studio:gpu .                      # CUDA torch (several GB), for GPU hosts
#   docker build -t ai-studio:cpu --build-arg VARIANT=cpu .   # CPU-only torch, for web and laptops
#   docker run -p 7860:7860 -v studio-data:/data ai-studio:cpu                 # all in one
#   docker run ai-studio:gpu python -m worker                                  # a worker
# deploy/compose.yaml and deploy/k8s/ run it as web ×2 + workers on PostgreSQL, Redis, MinIO.
FROM python:3.11-slim

ARG VARIANT=gpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    STUDIO_HOST=0.0.0.0 \
    STUDIO_PORT=7860 \
    STUDIO_DATA_DIR=/data

# pango/cairo + pkg-config build manim's wheels; EGL + Mesa give the 3D renderer a headless
# OpenGL context (scripts/system_packages.sh lists the same).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential pkg-config libpango1.0-dev libcairo2-dev libegl1 libegl-mesa0 \
      libgl1-mesa-dri \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
# torch first and pinned: from PyPI it is the CUDA build; VARIANT=cpu takes the CPU wheel.
RUN TORCH="$(grep -E '^torch==' requirements.txt)" \
 && if [ "$VARIANT" = "cpu" ]; then \
      pip install --no-cache-dir "$TORCH" --index-url https://download.pytorch.org/whl/cpu; \
    else \
      pip install --no-cache-dir "$TORCH"; \
    fi \
 && pip install --no-cache-dir -r requirements.txt \
 && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt
COPY app.py ./
COPY studio ./studio
COPY billing ./billing
COPY pipelines ./pipelines
COPY worker ./worker
COPY api ./api
COPY ui ./ui
COPY assets ./assets

# Never root: the studio and its workers run as an unprivileged user owning only /data.
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin studio \
 && mkdir -p /data && chown studio:studio /data
USER 10001:10001

VOLUME ["/data"]
EXPOSE 7860
# The web process answers /api/v1/health when its database and queue do; a worker container
# overrides this (compose and k8s check the worker process instead).
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/v1/health' % os.environ.get('STUDIO_PORT', '7860'), timeout=4)" || exit 1
CMD ["python", "app.py"]
