"""The `jupyterhub` execution backend: project servers started by JupyterHub."""

from datadive.execution.hub.api import HubBusy, HubRefused, HubUnreachable, SpawnStep
from datadive.execution.hub.backend import HubBackend, hub_user

__all__ = ["HubBackend", "HubBusy", "HubRefused", "HubUnreachable", "SpawnStep", "hub_user"]
