# The Datadive app: `docker build -f deploy/docker/datadive.Dockerfile -t <registry>/datadive:<version> .`
# (from the repository's root). Runs as an unprivileged user; the Helm chart mounts /data and
# /tmp and keeps the rest of the file system read-only.
ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATADIVE_DATA_DIR=/data \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib

RUN groupadd --gid 10001 datadive \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin datadive \
    && mkdir -p /data && chown 10001:10001 /data

# What the build needs (pyproject.toml names README.md as the long description).
COPY pyproject.toml README.md /build/
COPY src /build/src
RUN pip install /build && rm -rf /build

WORKDIR /data
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["datadive"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
