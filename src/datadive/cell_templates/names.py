"""Which variable names a user may give (an `identifier` input) or refer to (`dataframe`)."""

from __future__ import annotations

import builtins
import keyword

from datadive import analysis

# Names that template code relies on; shadowing them would break later cells. Templates
# import functions of `datadive.analysis` by name (`frequency_table(df, …)`).
LIBRARY_NAMES = frozenset({"pd", "np", "plt", "stats", "sns", "pyreadstat", "display"}) | frozenset(
    analysis.__all__
)
MAX_LENGTH = 60


def identifier_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "must be a name such as df or survey_2026"
    if len(name) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if not name.isidentifier() or not name.isascii():
        return "must start with a letter or _ and use only letters, digits and _"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"`{name}` is a Python keyword; choose another name"
    if name in dir(builtins):
        return f"`{name}` would hide Python's built-in `{name}`; choose another name"
    if name in LIBRARY_NAMES:
        return f"`{name}` is the name of a library the analysis uses; choose another name"
    if name.startswith("__"):
        return "must not start with two underscores"
    return None
