"""A survey of students' programmes, built on the real Qualtrics export
`tests/fixtures/qualtrics/qualtrics_export_de.csv` (a copy of ../shared/fixtures/qualtrics/):
its three header rows and its one response, plus responses written the same way, and a `.qsf`
for it in which Q1 ("This is a multiple choice question.") asks for the programme.

Responses of every kind an import meets: real ones, survey previews and tests (as codes and
through the distribution channel) and an unfinished one.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.support.qualtrics import multiple_choice, survey_definition

FIXTURE = Path(__file__).parents[1] / "fixtures" / "qualtrics" / "qualtrics_export_de.csv"
SURVEY_ID = "SV_3qbhDhlnSSzjFcN"
PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}
# (Status, DistributionChannel, Finished, programme code, duration in seconds)
ADDED = [
    ("0", "anonymous", "1", "1", "312"),
    ("0", "anonymous", "1", "1", "254"),
    ("0", "email", "1", "3", "401"),
    ("0", "anonymous", "1", "2", "199"),
    ("0", "anonymous", "1", "1", "288"),
    ("0", "anonymous", "1", "3", "350"),
    ("0", "anonymous", "0", "2", "120"),  # unfinished
    ("1", "preview", "1", "2", "15"),  # survey preview
    ("0", "preview", "1", "1", "22"),  # preview by its channel
    ("2", "test", "1", "3", "9"),  # survey test
]
PREVIEWS, TESTS, UNFINISHED = 2, 1, 1


def fixture_records() -> list[list[str]]:
    text = FIXTURE.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def responses() -> list[dict[str, str]]:
    """Every response of the export as column → text, the fixture's own first."""
    records = fixture_records()
    names, first = records[0], records[3]
    rows = [dict(zip(names, first, strict=True))]
    for number, (status, channel, finished, programme, duration) in enumerate(ADDED, start=2):
        row = dict(rows[0])
        row.update(
            {
                "StartDate": f"2017-07-{number + 10:02d} 08:28:09",
                "EndDate": f"2017-07-{number + 10:02d} 08:33:09",
                "RecordedDate": f"2017-07-{number + 10:02d} 08:33:09",
                "Status": status,
                "IPAddress": f"130.92.34.{number}",
                "Progress": "100" if finished == "1" else "60",
                "Duration (in seconds)": duration,
                "Finished": finished,
                "ResponseId": f"R_{number:04d}programme",
                "DistributionChannel": channel,
                "Q1": programme,
                "Q2": f"Answer {number}",
            }
        )
        rows.append(row)
    return rows


def kept(rows: list[dict[str, str]], *, drop_unfinished: bool = False) -> list[dict[str, str]]:
    """The responses an import keeps, by the rules written out once more here."""
    return [
        row
        for row in rows
        if row["Status"] not in {"1", "2", "9", "17"}
        and row["DistributionChannel"] not in {"preview", "test"}
        and not (drop_unfinished and row["Finished"] == "0")
    ]


def programme_export() -> bytes:
    """The export's bytes: the fixture's header rows, then every response (UTF-8 with BOM)."""
    records = fixture_records()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(records[:3])
    for row in responses():
        writer.writerow([row[name] for name in records[0]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def programme_qsf() -> bytes:
    """A survey definition for the export: Q1 asks for the programme, Q2 is free text."""
    programme = multiple_choice(1, "<p>This is a multiple choice question.</p>", PROGRAMMES)
    comments = {
        "QuestionID": "QID2",
        "DataExportTag": "Q2",
        "QuestionText": "This is a free text question.",
        "QuestionType": "TE",
        "Selector": "ML",
    }
    return survey_definition(SURVEY_ID, "Programmes", [programme, comments])
