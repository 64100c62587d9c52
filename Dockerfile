# One image for the four services; the service is chosen by the command (python -m services.X).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
COPY warta_cli ./warta_cli
RUN uv sync --frozen --no-dev
RUN useradd --system --uid 10001 warta && mkdir -p /data/attachments && chown warta /data/attachments
USER warta
# Production and reachable: the development secrets are refused, so the service does not start
# until both signing secrets (JWT, unsubscribe) are given at run time.
ENV PATH="/app/.venv/bin:$PATH" WARTA_ATTACHMENTS_DIR=/data/attachments \
    WARTA_ENV=production WARTA_BIND_HOST=0.0.0.0
CMD ["python", "-m", "services.ingest"]
