"""A Qualtrics CSV export made for tests, following the format facts in
`tests/fixtures/qualtrics/README.md`: three header rows, a byte-order mark, metadata columns
first, and responses of every kind a survey collects (previews and tests as numeric codes
and as text, partial responses, spam)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qualtrics"
NAMES = ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate"]
NAMES += ["ResponseId", "DistributionChannel", "UserLanguage", "Q1", "Q2_1", "Q3"]
TEXTS = ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Recorded Date"]
TEXTS += ["Response ID", "Distribution Channel", "User Language"]
TEXTS += ["How old are you?", "How satisfied are you? - With the course", "Comments,\nplease"]
IMPORT_IDS = ["startDate", "endDate", "status", "progress", "finished", "recordedDate"]
IMPORT_IDS += ["_recordId", "distributionChannel", "userLanguage", "QID1", "QID2_1", "QID3_TEXT"]

# (Status, DistributionChannel, Finished) of each response, and what the template does.
RESPONSES = [
    ("0", "anonymous", "1"),  # kept
    ("0", "email", "1"),  # kept
    ("IP Address", "anonymous", "1"),  # kept
    ("8", "anonymous", "1"),  # spam: kept (not a preview or a test)
    ("0", "anonymous", "0"),  # unfinished: kept unless asked
    ("1", "preview", "1"),  # preview (code)
    ("Survey Preview", "preview", "1"),  # preview (text)
    ("0", "preview", "0"),  # preview (channel), unfinished too
    ("2", "test", "1"),  # test (code)
    ("Survey Test", "anonymous", "1"),  # test (text)
    ("0", "test", "1"),  # test (channel)
]
PREVIEWS, TESTS, UNFINISHED_KEPT = 3, 3, 1


def survey_export() -> bytes:
    """The export's bytes (UTF-8 with a byte-order mark, as Qualtrics writes it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NAMES)
    writer.writerow(TEXTS)
    writer.writerow([json.dumps({"ImportId": key}) for key in IMPORT_IDS])
    for number, (status, channel, finished) in enumerate(RESPONSES, start=1):
        progress = "100" if finished == "1" else "40"
        writer.writerow(
            [
                f"2024-03-{number:02d} 09:00:00",
                f"2024-03-{number:02d} 09:12:30",
                status,
                progress,
                finished,
                f"2024-03-{number:02d} 09:12:31",
                f"R_{number:04d}",
                channel,
                "EN",
                str(20 + number),
                str(1 + number % 5),
                "=1+1" if number == 1 else f"note {number}",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def multiple_choice(number: int, text: str, choices: dict[int, str]) -> dict[str, object]:
    """A single-answer multiple-choice question `Q<number>` of a `.qsf`, its choices coded as
    given (recode values equal to the codes)."""
    return {
        "QuestionID": f"QID{number}",
        "DataExportTag": f"Q{number}",
        "QuestionText": text,
        "QuestionType": "MC",
        "Selector": "SAVR",
        "SubSelector": "TX",
        "Choices": {str(code): {"Display": label} for code, label in choices.items()},
        "ChoiceOrder": [str(code) for code in choices],
        "RecodeValues": {str(code): str(code) for code in choices},
    }


def survey_definition(survey_id: str, name: str, questions: list[dict[str, object]]) -> bytes:
    """A `.qsf` document's bytes: one block and one element per question payload."""
    document = {
        "SurveyEntry": {"SurveyID": survey_id, "SurveyName": name},
        "SurveyElements": [
            {"SurveyID": survey_id, "Element": "BL", "PrimaryAttribute": "Survey Blocks"},
            *(
                {
                    "SurveyID": survey_id,
                    "Element": "SQ",
                    "PrimaryAttribute": question["QuestionID"],
                    "Payload": question,
                }
                for question in questions
            ),
        ],
    }
    return json.dumps(document).encode("utf-8")
