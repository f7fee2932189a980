"""Every built-in template, rendered with realistic inputs, runs in a real kernel on fixture data
and shows the kind of output it is for: a table, a figure, a test result, or a message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

from datadive.cell_templates.library import builtin_template, builtin_templates
from datadive.cell_templates.rendering import render
from datadive.cell_templates.values import check_values
from datadive.execution.client import JupyterClient
from datadive.execution.local import LocalBackend
from tests.support.qualtrics import FIXTURES as QUALTRICS
from tests.support.qualtrics import PREVIEWS, RESPONSES, TESTS, UNFINISHED_KEPT, survey_export

pytestmark = pytest.mark.slow
FIXTURE = Path(__file__).parents[1] / "fixtures" / "wellbeing.csv"
LOAD = "import pandas as pd\ndf = pd.read_csv('data/wellbeing.csv')"

TABLE, FIGURE, RESULT, MESSAGE = "table", "figure", "test result", "message"
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "load-csv": ({"file": "data/wellbeing.csv"}, TABLE),
    "load-excel": ({"file": "data/survey.xlsx", "sheet": "Data"}, TABLE),
    "load-spss": ({"file": "data/study.sav"}, TABLE),
    "load-qualtrics": ({"file": "data/qualtrics_export_de.csv"}, TABLE),
    "select-columns": ({"columns": ["id", "age"]}, TABLE),
    "rename-column": ({"column": "hours slept", "new_name": "sleep"}, TABLE),
    "filter-rows": ({"column": "age", "operator": ">", "value": "40"}, MESSAGE),
    "drop-missing": ({"columns": ["hours slept"]}, MESSAGE),
    "recode-values": ({"column": "gender", "old_value": "diverse", "new_value": "other"}, TABLE),
    "reverse-likert": ({"column": "wellbeing 3 (reversed)"}, TABLE),
    "compute-column": ({"new_column": "decades", "formula": "age / 10"}, TABLE),
    "scale-score": ({"items": ["wellbeing 1", "wellbeing 2"]}, TABLE),
    "descriptives": ({"columns": ["age", "wellbeing 1"]}, TABLE),
    "frequency-table": ({"column": "gender"}, TABLE),
    "cross-table": ({"row_variable": "group", "column_variable": "gender"}, TABLE),
    "histogram": ({"column": "age"}, FIGURE),
    "box-plot": ({"value": "age", "group": "group"}, FIGURE),
    "scatter-plot": ({"x": "age", "y": "hours slept"}, FIGURE),
    "t-test-independent": ({"outcome": "wellbeing 1", "group": "group"}, RESULT),
    "chi-square": ({"row_variable": "group", "column_variable": "gender"}, RESULT),
    "correlation": ({"x": "age", "y": "hours slept"}, RESULT),
    "export-csv": ({"path": "results/out.csv"}, MESSAGE),
}


def test_every_builtin_template_has_a_case() -> None:
    assert set(CASES) == {template.slug for template in builtin_templates()}


@pytest.fixture(scope="module")
def data_files(backend: LocalBackend) -> Path:
    folder = backend.workspace("templates") / "data"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE, folder / "wellbeing.csv")
    for export in QUALTRICS.glob("*.csv"):
        shutil.copy(export, folder / export.name)
    (folder / "survey_export.csv").write_bytes(survey_export())
    frame = pd.read_csv(FIXTURE)
    with pd.ExcelWriter(folder / "survey.xlsx") as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)
    pyreadstat.write_sav(
        pd.DataFrame({"group": [1.0, 2.0], "score": [3.0, 4.0]}),
        str(folder / "study.sav"),
        variable_value_labels={"group": {1.0: "control", 2.0: "treatment"}},
    )
    return folder


def kind_of(outputs: list[dict[str, Any]]) -> set[str]:
    kinds = set()
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            kinds.add(FIGURE)
        elif output["output_type"] == "execute_result":
            text = data.get("text/plain", "")
            kinds.add(RESULT if " p " in f" {text} " or "\np " in text else TABLE)
        elif output["output_type"] == "stream":
            kinds.add(MESSAGE)
    return kinds


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("slug", sorted(CASES))
async def test_the_template_runs_in_a_kernel_and_shows_its_output(
    backend: LocalBackend, data_files: Path, slug: str
) -> None:
    inputs, expected = CASES[slug]
    template = builtin_template(slug)
    assert template is not None
    code = render(template, check_values(template, inputs))
    client = JupyterClient(await backend.ensure_server("templates"))
    try:
        kernel = await client.start_session(path="templates.ipynb")
        assert (await client.execute(kernel.kernel_id, LOAD)).status == "ok"
        result = await client.execute(kernel.kernel_id, code)
    finally:
        await client.close()

    assert result.status == "ok", result.outputs
    assert expected in kind_of(result.outputs), result.outputs
    assert not [o for o in result.outputs if o["output_type"] == "error"]


async def run_in_kernel(backend: LocalBackend, *codes: str) -> list[Any]:
    client = JupyterClient(await backend.ensure_server("templates"))
    try:
        kernel = await client.start_session(path="qualtrics.ipynb")
        return [await client.execute(kernel.kernel_id, code) for code in codes]
    finally:
        await client.close()


def printed(result: Any) -> str:
    return "".join(o.get("text", "") for o in result.outputs if o["output_type"] == "stream")


QUALTRICS_LOOK = """statuses = sorted(survey["Status"].astype(str))
print(len(survey), statuses, survey["StartDate"].dtype.kind)
print(survey.attrs["labels"] == survey_labels, repr(survey_labels["Q3"]))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_the_qualtrics_template_drops_previews_tests_and_unfinished_responses(
    backend: LocalBackend, data_files: Path
) -> None:
    template = builtin_template("load-qualtrics")
    assert template is not None
    inputs = {"file": "data/survey_export.csv", "target": "survey"}
    default = render(template, check_values(template, inputs))
    strict = render(template, check_values(template, inputs | {"drop_unfinished": True}))
    legacy = render(
        template,
        check_values(
            template, {"file": "data/qualtrics_export_legacy_de.csv", "legacy_format": True}
        ),
    )

    results = await run_in_kernel(
        backend, default, QUALTRICS_LOOK, strict, "print(len(survey))", legacy, "print(df_labels)"
    )

    assert all(result.status == "ok" for result in results), [r.outputs for r in results]
    kept = len(RESPONSES) - PREVIEWS - TESTS
    assert printed(results[0]) == (
        f"Dropped {PREVIEWS + TESTS} of {len(RESPONSES)} rows ({PREVIEWS} survey previews, "
        f"{TESTS} test responses); {kept} left.\n"
    )
    assert printed(results[1]) == (
        f"{kept} ['0', '0', '0', '8', 'IP Address'] M\nTrue 'Comments,\\nplease'\n"
    )
    assert f"{UNFINISHED_KEPT} unfinished responses); {kept - UNFINISHED_KEPT} left." in (
        printed(results[2])
    )
    assert printed(results[3]) == f"{kept - UNFINISHED_KEPT}\n"
    assert "Dropped 0 of 1 rows" in printed(results[4])
    assert "'Q1': 'This is a multiple choice question.'" in printed(results[5])
    assert "'Status': 'Status'" in printed(results[5])
