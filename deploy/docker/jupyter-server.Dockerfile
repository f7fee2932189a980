# The Jupyter server that JupyterHub starts for each project (singleuser.image in
# deploy/jupyterhub/values.yaml): `docker build -f deploy/docker/jupyter-server.Dockerfile
# -t <registry>/datadive-jupyter-server:<version> .` (from the repository's root).
#
# The base image brings Jupyter Server, JupyterLab, ipykernel and jupyterhub-singleuser, and
# runs as the unprivileged user jovyan (uid 1000). Pin it to a dated tag in production.
ARG BASE_IMAGE=quay.io/jupyter/minimal-notebook:python-3.12
FROM ${BASE_IMAGE}

USER root

# Datadive's kernel-side library (datadive.analysis) ships in the `datadive` distribution, whose
# dependencies are the scientific stack that template cells use (pandas, NumPy, SciPy,
# statsmodels, matplotlib, readers for Excel and SPSS) and ipykernel. The server needs a
# JupyterHub that speaks to a 5.5.1 or newer hub.
COPY pyproject.toml README.md /tmp/datadive-build/
COPY src /tmp/datadive-build/src
RUN pip install --no-cache-dir /tmp/datadive-build "jupyterhub>=5.5.1,<7" \
    && rm -rf /tmp/datadive-build \
    && fix-permissions "${CONDA_DIR}" \
    && fix-permissions "/home/${NB_USER}"

# No terminal in JupyterLab unless the hub's values say otherwise (they mount a file at the
# same path).
COPY deploy/docker/jupyter_server_config.d/datadive-terminals.json /etc/jupyter/jupyter_server_config.d/datadive-terminals.json

USER 1000
WORKDIR /home/jovyan
