# syntax=docker/dockerfile:1
# The ML worker image: the project with the `api` and `ml` extras. It runs the Celery
# worker (`shelfops worker`, queues ml and sync), the beat scheduler (`shelfops beat`),
# one-shot commands (`shelfops retrain`, `shelfops run-job …`) and the MLflow server.
#
#   docker build -f Dockerfile.ml -t shelfops-ml .
#   docker build -f Dockerfile.ml --build-arg EXTRAS=api,ml,deep -t shelfops-ml .  # + LSTM

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS python
ARG EXTRAS=api,ml
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
RUN python -m venv /opt/shelfops
COPY pyproject.toml README.md requirements.lock ./
COPY src/ src/
RUN /opt/shelfops/bin/pip install -c requirements.lock ".[${EXTRAS}]"

FROM ${PYTHON_IMAGE}
# LightGBM and XGBoost use OpenMP at run time.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/shelfops \
        shelfops \
    && install -d -o shelfops -g shelfops /var/lib/mlflow
COPY --from=python /opt/shelfops /opt/shelfops
ENV PATH=/opt/shelfops/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SHELFOPS_VAR_DIR=/var/lib/shelfops \
    MPLCONFIGDIR=/tmp/matplotlib
USER shelfops
WORKDIR /var/lib/shelfops
VOLUME ["/var/lib/shelfops"]
# The worker answers a broker ping (needs SHELFOPS_BROKER_URL, as the worker itself does);
# compose gives beat and MLflow their own checks.
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["sh", "-c", "celery -A shelfops.worker inspect ping --timeout 10 -d celery@$(hostname)"]
CMD ["shelfops", "worker"]
