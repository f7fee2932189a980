"""The built-in templates, shipped as YAML files in `builtin/` and checked when loaded."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.validation import load_template
from datadive.errors import Invalid

BUILTIN_PACKAGE = "datadive.cell_templates"
BUILTIN_FOLDER = "builtin"


class BrokenBuiltinTemplate(RuntimeError):
    """A YAML file in builtin/ is not a valid template: a packaging bug, not user input."""


@functools.cache
def builtin_templates() -> tuple[TemplateSpec, ...]:
    """All built-in templates, by category then title."""
    folder = resources.files(BUILTIN_PACKAGE).joinpath(BUILTIN_FOLDER)
    templates = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            template = load_template(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except Invalid as exc:
            problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise BrokenBuiltinTemplate(f"{entry.name}: {problems}") from None
        if f"{template.slug}.yaml" != entry.name:
            raise BrokenBuiltinTemplate(f"{entry.name}: slug {template.slug} must match the file")
        templates.append(template)
    return tuple(sorted(templates, key=lambda t: (t.category, t.title)))


def builtin_template(slug: str) -> TemplateSpec | None:
    return next((t for t in builtin_templates() if t.slug == slug), None)
