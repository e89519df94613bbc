# syntax=docker/dockerfile:1
# The API image: `shelfops serve` plus the built dashboard, WITHOUT the ML packages
# (pandas, scikit-learn, LightGBM, XGBoost, statsforecast, MLflow, SHAP, Pandera, Plotly,
# matplotlib, PyTorch). Training, forecasting and backtests run on the ML worker image
# (Dockerfile.ml); the API queues them, and answers 503 where a request would need them.
#
#   docker build -t shelfops-api .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- the dashboard: React + TypeScript, built to static files --------------------------
FROM ${NODE_IMAGE} AS dashboard
# The browser tests' package is a dev dependency; its browsers are not needed to build.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- the Python environment: the project with the `api` extra only ---------------------
FROM ${PYTHON_IMAGE} AS python
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
RUN python -m venv /opt/shelfops
COPY pyproject.toml README.md requirements.lock ./
COPY src/ src/
# requirements.lock pins every version, so an image built later installs the same ones.
RUN /opt/shelfops/bin/pip install -c requirements.lock '.[api]'

# --- the runtime image -------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/shelfops \
        shelfops
COPY --from=python /opt/shelfops /opt/shelfops
COPY --from=dashboard /build/frontend/dist /opt/shelfops/dashboard
ENV PATH=/opt/shelfops/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SHELFOPS_VAR_DIR=/var/lib/shelfops \
    SHELFOPS_DASHBOARD_DIR=/opt/shelfops/dashboard \
    SHELFOPS_API_HOST=0.0.0.0 \
    SHELFOPS_API_PORT=8000
USER shelfops
WORKDIR /var/lib/shelfops
VOLUME ["/var/lib/shelfops"]
EXPOSE 8000
# /health answers 503 when the database or the broker is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SHELFOPS_API_PORT', '8000') + '/health', timeout=4)"]
CMD ["shelfops", "serve"]
