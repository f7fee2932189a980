"""The template language: `{{ name }}` and `{% if name %}…{% else %}…{% endif %}`, nothing else.

Templates are parsed with Jinja's parser, and the tree is checked against an allow-list of
node types; they are never rendered by Jinja (see `rendering`), so no template can run code in
Datadive. Problems point at the template line.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError, nodes

_environment = Environment(autoescape=False)  # noqa: S701 - parsing only; output is Python


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Placeholder:
    name: str
    line: int


def parse(code: str) -> nodes.Template:
    """Jinja's parse tree, or TemplateSyntaxError."""
    return _environment.parse(code)


def describe(node: nodes.Node) -> str:
    kinds = {
        nodes.For: "{% for %} loops",
        nodes.Getattr: "attribute access (`x.y`)",
        nodes.Getitem: "indexing (`x[...]`)",
        nodes.Call: "calls",
        nodes.Filter: "filters (`|`)",
        nodes.Macro: "macros",
        nodes.Assign: "{% set %}",
        nodes.Const: "constants in placeholders",
    }
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    return f"`{type(node).__name__}`"


class Checker:
    """Walks the tree; collects placeholders and everything that is not allowed."""

    def __init__(self) -> None:
        self.placeholders: list[Placeholder] = []
        self.problems: list[SyntaxProblem] = []

    def refuse(self, node: nodes.Node, what: str | None = None) -> None:
        message = (
            f"{what or describe(node)} are not allowed; use only {{{{ name }}}} and {{% if name %}}"
        )
        self.problems.append(SyntaxProblem(node.lineno, message))

    def body(self, items: list[nodes.Node]) -> None:
        for item in items:
            if isinstance(item, nodes.Output):
                self.output(item)
            elif isinstance(item, nodes.If):
                self.condition(item)
            else:
                self.refuse(item)

    def output(self, node: nodes.Output) -> None:
        for part in node.nodes:
            if isinstance(part, nodes.TemplateData):
                continue
            if isinstance(part, nodes.Name) and part.ctx == "load":
                self.placeholders.append(Placeholder(part.name, part.lineno))
            else:
                self.refuse(part)

    def condition(self, node: nodes.If) -> None:
        if node.elif_:
            self.refuse(node, "{% elif %} blocks")
        if isinstance(node.test, nodes.Name):
            self.placeholders.append(Placeholder(node.test.name, node.test.lineno))
        else:
            self.refuse(node.test, "conditions other than a single input name")
        self.body(node.body)
        self.body(node.else_)


def check_syntax(code: str) -> tuple[list[Placeholder], list[SyntaxProblem]]:
    try:
        tree = parse(code)
    except TemplateSyntaxError as exc:
        return [], [SyntaxProblem(exc.lineno, exc.message or "the template does not parse")]
    checker = Checker()
    checker.body(tree.body)
    return checker.placeholders, checker.problems
