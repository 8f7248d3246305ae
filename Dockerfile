# Production image of the fact-check API: CPU-only torch, models inside the image, gunicorn, non-root.
#   buildah bud --isolation chroot -t factcheck .        (or: docker build -t factcheck .)
# BASE_IMAGE: any Debian-based image with Python 3.11+ and venv (a local debootstrap base works).
# Torch comes from wheels/ in the build context when present (offline builds), else from TORCH_INDEX_URL.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PATH=/opt/venv/bin:$PATH \
    FACTCHECK_DATA_DIR=/data \
    FACTCHECK_SEEDS_DIR=/app/seeds \
    FACTCHECK_HOST=0.0.0.0 \
    FACTCHECK_PORT=8000 \
    FACTCHECK_WORKERS=2

WORKDIR /app
COPY . /app
RUN set -eux; \
    python3 -m venv /opt/venv; \
    find_links=""; [ -d wheels ] && find_links="--find-links /app/wheels"; \
    pip install --no-cache-dir $find_links --extra-index-url "$TORCH_INDEX_URL" torch==2.13.0; \
    pip install --no-cache-dir $find_links -e /app; \
    rm -rf /app/wheels; \
    python -c "from service.embeddings import resolve_model_path; resolve_model_path('all-MiniLM-L6-v2')"; \
    useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin factcheck; \
    mkdir -p /data; chown factcheck /data

USER factcheck
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FACTCHECK_PORT', '8000'), timeout=4)"
# Seeds are ingested on start (skipped when already stored); add --no-seeds to disable.
CMD ["factcheck", "serve"]
