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
from tests.support.programme_survey import PROGRAMMES, programme_export, programme_qsf
from tests.support.qualtrics import FIXTURES as QUALTRICS
from tests.support.qualtrics import PREVIEWS, RESPONSES, TESTS, UNFINISHED_KEPT, survey_export
from tests.support.templates import in_process_cases

pytestmark = pytest.mark.slow
FIXTURE = Path(__file__).parents[1] / "fixtures" / "wellbeing.csv"
LOAD = "import pandas as pd\ndf = pd.read_csv('data/wellbeing.csv')"

TABLE, FIGURE, RESULT, MESSAGE = "table", "figure", "test result", "message"
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "load-csv": ({"file": "data/wellbeing.csv"}, TABLE),
    "load-excel": ({"file": "data/survey.xlsx", "sheet": "Data"}, TABLE),
    "load-spss": ({"file": "data/study.sav"}, TABLE),
    "load-stata": ({"file": "data/study.dta"}, TABLE),
    "load-qualtrics": ({"file": "data/qualtrics_export_de.csv"}, TABLE),
    "select-columns": ({"columns": ["id", "age"]}, TABLE),
    "rename-column": ({"column": "hours slept", "new_name": "sleep"}, TABLE),
    "filter-rows": ({"column": "age", "operator": ">", "value": "40"}, MESSAGE),
    "drop-missing": ({"columns": ["hours slept"]}, MESSAGE),
    "recode-values": ({"column": "gender", "old_value": "diverse", "new_value": "other"}, TABLE),
    "reverse-likert": ({"column": "wellbeing 3 (reversed)"}, TABLE),
    "compute-column": ({"new_column": "decades", "formula": "age / 10"}, TABLE),
    # With the reliability shown (the default), its numbers are checked in-process.
    "scale-score": ({"items": ["wellbeing 1", "wellbeing 2"], "report_alpha": False}, TABLE),
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
    """Each template runs here, in a kernel, or has its run checked in-process (the analysis
    templates: their numbers are checked there, and one of them runs here too)."""
    assert set(CASES) | in_process_cases() == {template.slug for template in builtin_templates()}


@pytest.fixture(scope="module")
def data_files(backend: LocalBackend) -> Path:
    folder = backend.workspace("templates") / "data"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE, folder / "wellbeing.csv")
    for export in QUALTRICS.glob("*.csv"):
        shutil.copy(export, folder / export.name)
    (folder / "survey_export.csv").write_bytes(survey_export())
    (folder / "programmes.csv").write_bytes(programme_export())
    (folder / "programmes.qsf").write_bytes(programme_qsf())
    frame = pd.read_csv(FIXTURE)
    with pd.ExcelWriter(folder / "survey.xlsx") as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)
    pyreadstat.write_sav(
        pd.DataFrame({"group": [1.0, 2.0], "score": [3.0, 4.0]}),
        str(folder / "study.sav"),
        variable_value_labels={"group": {1.0: "control", 2.0: "treatment"}},
    )
    pyreadstat.write_dta(
        pd.DataFrame({"group": [1, 2], "score": [3.0, 4.0]}),
        str(folder / "study.dta"),
        variable_value_labels={"group": {1: "control", 2: "treatment"}},
    )
    return folder


def kind_of(outputs: list[dict[str, Any]]) -> set[str]:
    kinds = set()
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            kinds.add(FIGURE)
        elif output["output_type"] in ("execute_result", "display_data"):
            # an analysis result shows itself (display_data); a table is the cell's value
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


QUALTRICS_LOOK = """from datadive.analysis import column_info
statuses = sorted(survey["Status"].astype(str))
print(len(survey), statuses, survey["StartDate"].dtype.kind)
print(repr(column_info(survey, "Q3")["label"]))
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
        template, check_values(template, {"file": "data/qualtrics_export_legacy_de.csv"})
    )

    results = await run_in_kernel(
        backend,
        default,
        QUALTRICS_LOOK,
        strict,
        "print(len(survey))",
        legacy,
        "print(column_info(df, 'Q1')['label'], list(df.columns[:2]))",
    )

    assert all(result.status == "ok" for result in results), [r.outputs for r in results]
    kept = len(RESPONSES) - PREVIEWS - TESTS
    assert printed(results[0]) == (
        f"Dropped {PREVIEWS + TESTS} of {len(RESPONSES)} rows ({PREVIEWS} survey previews, "
        f"{TESTS} test responses); {kept} left.\n"
    )
    assert printed(results[1]) == (
        f"{kept} ['0', '0', '0', '8', 'IP Address'] M\n'Comments,\\nplease'\n"
    )
    assert f"{UNFINISHED_KEPT} unfinished responses); {kept - UNFINISHED_KEPT} left." in (
        printed(results[2])
    )
    assert printed(results[3]) == f"{kept - UNFINISHED_KEPT}\n"
    assert "Dropped 0 of 1 rows" in printed(results[4])
    assert printed(results[5]) == (
        "This is a multiple choice question. ['ResponseID', 'ResponseSet']\n"
    )


def shown(result: Any) -> str:
    """What a person sees of a cell's result: its tables and its figures' descriptions."""
    parts = []
    for output in result.outputs:
        data = output.get("data", {})
        parts.append(data.get("text/html", "") or data.get("text/plain", ""))
        if "image/png" in data:
            parts.append("FIGURE " + data.get("text/plain", ""))
    return "\n".join(parts)


def labelled_cell(slug: str, **inputs: Any) -> str:
    template = builtin_template(slug)
    assert template is not None
    return render(template, check_values(template, {"data": "survey"} | inputs))


@pytest.mark.asyncio(loop_scope="module")
async def test_outputs_show_programme_names_and_codes_when_asked(
    backend: LocalBackend, data_files: Path
) -> None:
    """The Qualtrics export with its .qsf: every output names the programmes (or shows the
    codes when the cell asks), and numbers stay numbers."""
    duration, programme = "Duration (in seconds)", "Q1"
    template = builtin_template("load-qualtrics")
    assert template is not None
    load = render(
        template,
        check_values(
            template,
            {"file": "data/programmes.csv", "qsf": "data/programmes.qsf", "target": "survey"},
        ),
    )
    cells = [
        load,
        labelled_cell("frequency-table", column=programme),
        labelled_cell("frequency-table", column=programme, show="codes"),
        labelled_cell("box-plot", value=duration, group=programme),
        labelled_cell("box-plot", value=duration, group=programme, show="codes"),
        labelled_cell("cross-table", row_variable=programme, column_variable="Finished"),
        labelled_cell("descriptives", columns=[programme, duration]),
        labelled_cell("histogram", column=programme),
        labelled_cell(
            "t-test-independent", outcome=duration, group=programme, groups="Sociology, Economics"
        ),
        labelled_cell("chi-square", row_variable=programme, column_variable="Finished"),
        labelled_cell("correlation", x=duration, y="Progress"),
    ]

    results = await run_in_kernel(backend, *cells)

    assert all(result.status == "ok" for result in results), [r.outputs for r in results]
    names = list(PROGRAMMES.values())
    load_out, freq, freq_codes, box, box_codes, cross, described, hist, ttest, chi, corr = [
        shown(result) for result in results
    ]
    assert "Sociology" in load_out  # the first rows, with labels
    assert all(name in freq for name in names)
    assert not any(name in freq_codes for name in names)
    assert "FIGURE Box plot of" in box
    figures = [o for o in results[3].outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 1  # shown once, not a second time by pyplot's inline backend
    assert "Psychology (n = 3), Sociology (n = 3), Economics (n = 2)" in box
    assert "1 (n = 3), 2 (n = 3), 3 (n = 2)" in box_codes
    assert all(name in cross for name in names)
    assert "Not finished" in cross
    assert "This is a multiple choice question." in described
    assert "FIGURE Histogram of Q1:" in hist
    assert "Economics 2" in hist
    assert "Sociology" in ttest
    assert "Economics" in ttest
    assert "Psychology" not in ttest  # only the two groups chosen, in the order given
    assert "Cramér" in chi
    assert "Psychology" in chi
    assert "Duration (in seconds): Dauer (in Sekunden)" in corr
