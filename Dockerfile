# Production image of the fact-check API: CPU-only torch, models (and the embedding model's ONNX export) inside
# the image, gunicorn, non-root.
#   buildah bud --isolation chroot --format docker -t factcheck .   (or: docker build -t factcheck .)
# (--format docker: buildah's default OCI format drops HEALTHCHECK.)
# BASE_IMAGE: any Debian-based image with Python 3.11+ and venv (a local debootstrap base works:
# scripts/container_test.sh builds one, builds this image on it and checks the running service).
# Torch: the CPU wheel from wheels/ in the build context when one is there (offline builds), else from
# TORCH_INDEX_URL; either way torch==2.13.0+cpu, so a CUDA build is never picked, and the build fails if
# the torch it installed has CUDA.
# PIP_CERT: CA bundle for pip in the build (behind a TLS-intercepting proxy), e.g. the host's bundle mounted over
# the base's: buildah bud --volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro
#   --build-arg PIP_CERT=/etc/ssl/certs/ca-certificates.crt ...   (nothing of it is left in the image)
ARG BASE_IMAGE=python:3.11-slim-bookworm

# Build stage: the venv and the editable install; the wheels/ and pip's files stay out of the final image.
FROM ${BASE_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_CERT=
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
WORKDIR /app
COPY . /app
RUN set -eux; \
    [ -n "$PIP_CERT" ] || unset PIP_CERT; \
    python3 -m venv /opt/venv; \
    pip=/opt/venv/bin/pip; \
    if [ -d wheels ]; then \
        $pip install --find-links /app/wheels torch==2.13.0+cpu; \
        $pip install --find-links /app/wheels -c /app/constraints.txt -e /app; \
    else \
        $pip install --extra-index-url "$TORCH_INDEX_URL" torch==2.13.0+cpu; \
        $pip install -c /app/constraints.txt -e /app; \
    fi; \
    rm -rf /app/wheels /app/*.egg-info; \
    /opt/venv/bin/python -c "import torch; assert torch.version.cuda is None, torch.__version__; print('torch', torch.__version__)"; \
    /opt/venv/bin/python -c "from service.embeddings import resolve_model_path; print(resolve_model_path('all-MiniLM-L6-v2'))"
# The ONNX export of the embedding model (the default backend) into the image, read-only to the service:
# /app/var/onnx (FACTCHECK_ONNX_DIR below). The service never exports; without it, it would refuse to start.
RUN /opt/venv/bin/factcheck export-embedder \
    && /opt/venv/bin/factcheck export-embedder | grep -q "up to date"

# Final stage. The service user owns /data and its home (gunicorn puts its control socket in ~/.gunicorn);
# /app and /opt/venv stay root's and read-only to it.
# It listens on 0.0.0.0, so it refuses to start without API keys (FACTCHECK_API_KEYS_FILE with a mounted
# secret, or FACTCHECK_API_KEYS); on a closed network, opt out with -e FACTCHECK_REQUIRE_API_KEYS=false.
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PATH=/opt/venv/bin:$PATH \
    FACTCHECK_DATA_DIR=/data \
    FACTCHECK_ONNX_DIR=/app/var/onnx \
    FACTCHECK_SEEDS_DIR=/app/seeds \
    FACTCHECK_HOST=0.0.0.0 \
    FACTCHECK_PORT=8000 \
    FACTCHECK_WORKERS=2 \
    FACTCHECK_REQUIRE_API_KEYS=true

RUN set -eux; \
    useradd --system --uid 10001 --user-group --create-home --home-dir /home/factcheck --shell /usr/sbin/nologin factcheck; \
    mkdir -p /data; chown factcheck:factcheck /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER factcheck
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FACTCHECK_PORT', '8000'), timeout=4)"
# Seeds are ingested on start (skipped when already stored); add --no-seeds to disable.
CMD ["factcheck", "serve"]
