"""Render the Datadive Helm chart with Helm's own Go code, and validate what comes out.

There is no `helm` binary on the machines that run the tests; the `helm-python-sdk` package
(PyPI) ships Helm v4's Go SDK as a shared library, so the templates are rendered exactly as
`helm template` would. Every manifest is then checked against the Kubernetes API schemas of
one named version with `kubernetes-validate` (strict: unknown fields are errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "datadive"
KUBERNETES_VERSION = "1.30.0"
RELEASE = "datadive"
NAMESPACE = "datadive"

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    manifests: list[Manifest]
    notes: str

    def all_of(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m["kind"] == kind]

    def one(self, kind: str, name: str | None = None) -> Manifest:
        found = [m for m in self.all_of(kind) if name is None or m["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name or ''}, got {len(found)}"
        return found[0]

    def kinds(self) -> list[str]:
        return sorted(m["kind"] for m in self.manifests)


def render_chart(values: dict[str, Any] | None = None) -> Rendered:
    """`helm template datadive deploy/helm/datadive -n datadive -f <values>`."""
    with helm.Chart.load(CHART) as chart:
        output = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    manifests: list[Manifest] = []
    notes = ""
    for path, text in sorted(output.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return Rendered(manifests=manifests, notes=notes)


def render_error(values: dict[str, Any]) -> str:
    """The message `helm template` stops with; fails the test when it renders."""
    try:
        render_chart(values)
    except helm.HelmRenderError as exc:
        return str(exc)
    raise AssertionError(f"the chart rendered with {values}")


def invalid_manifests(manifests: list[Manifest]) -> list[str]:
    """One line per manifest that the Kubernetes API of KUBERNETES_VERSION would refuse."""
    problems = []
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(part) for part in exc.absolute_path)
            name = f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"
            problems.append(f"{name} at {where or '(top)'}: {exc.message}")
    return problems


def read_values(path: Path) -> dict[str, Any]:
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(values, dict)
    return values
