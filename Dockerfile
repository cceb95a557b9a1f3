# AI Studio in one container: `docker build -t ai-studio . && docker run -p 7860:7860 -v studio-data:/data ai-studio`
# torch==2.13.0 from PyPI is a CUDA build here (several GB): right for GPU hosts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    STUDIO_HOST=0.0.0.0 \
    STUDIO_PORT=7860 \
    STUDIO_DATA_DIR=/data

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --no-cache-dir "$(grep -E '^torch==' requirements.txt)" \
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

VOLUME ["/data"]
EXPOSE 7860
CMD ["python", "app.py"]
