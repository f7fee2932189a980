"""Built-in templates rendered with a form's values and run in this process, as the kernel runs
them: the code is executed in a fresh namespace that holds the tables, and the value of its
last line (what a notebook shows) is returned. Kernel tests are kept for what only a kernel
shows; an analysis template's numbers are checked here, fast."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import pandas as pd

from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.rendering import render
from datadive.cell_templates.values import check_values


@dataclass
class TemplateRun:
    code: str  # the rendered cell
    namespace: dict[str, Any]  # the variables after it ran
    shown: Any  # the value of its last line, as a notebook would show it


def rendered(slug: str, **inputs: Any) -> str:
    template = builtin_template(slug)
    assert template is not None, f"no built-in template {slug!r}"
    return render(template, check_values(template, inputs))


def run_template(slug: str, tables: dict[str, pd.DataFrame], **inputs: Any) -> TemplateRun:
    """Render `slug` with `inputs` and run it with `tables` as the notebook's variables."""
    code = rendered(slug, **inputs)
    namespace: dict[str, Any] = {name: table.copy() for name, table in tables.items()}
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    exec(compile(ast.Module(body=body, type_ignores=[]), slug, "exec"), namespace)  # noqa: S102
    shown = None
    if last is not None:
        expression = ast.Expression(body=last.value)
        shown = eval(compile(expression, slug, "eval"), namespace)  # noqa: S307
    return TemplateRun(code=code, namespace=namespace, shown=shown)


def in_process_cases() -> set[str]:
    """The templates whose runs are checked in this process: every `TEMPLATE_CASES` (a dict
    of slug to example inputs) of a `tests/cell_templates/test_*_templates.py` module."""
    import importlib  # noqa: PLC0415 - the test modules, only when asked
    import pkgutil  # noqa: PLC0415

    import tests.cell_templates as package  # noqa: PLC0415

    slugs: set[str] = set()
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("test_") and module.name.endswith("_templates"):
            found = importlib.import_module(f"{package.__name__}.{module.name}")
            slugs |= set(getattr(found, "TEMPLATE_CASES", {}))
    return slugs
