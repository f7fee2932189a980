"""A small Qualtrics survey written the way Qualtrics exports it (see
tests/fixtures/qualtrics/README.md): a CSV with three header rows, and its `.qsf`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qualtrics"

METADATA = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Berlin"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Berlin"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Berlin"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
QUESTIONS = [
    ("Q2", "How did you hear of us?", '{"ImportId":"QID2"}'),
    ("Q4_1", "How much do you agree?\nPlease be honest. - I sleep well", '{"ImportId":"QID4_1"}'),
    ("Q4_2", "How much do you agree?\nPlease be honest. - I eat well", '{"ImportId":"QID4_2"}'),
    ("Q5_1", "Which do you use? - Bus", '{"ImportId":"QID5_1"}'),
    ("Q5_2", "Which do you use? - Bike", '{"ImportId":"QID5_2"}'),
    ("Q6_1", "How happy are you? - Happiness", '{"ImportId":"QID6_1"}'),
    ("Q7", "Anything else?", '{"ImportId":"QID7_TEXT"}'),
    ("Q8", "How old are you?", '{"ImportId":"QID8_TEXT"}'),
]
# Status 0 real, 1 preview, 2 test; the last one only got half way
RESPONSES = [
    ("0", "100", "1", "anonymous", "1", "4", "5", "1", "", "72", "Great", "34"),
    ("1", "100", "1", "preview", "2", "3", "3", "", "1", "40", "", "20"),
    ("2", "100", "1", "test", "3", "1", "2", "1", "1", "10", "test run", "99"),
    ("0", "100", "1", "anonymous", "2", "5", "4", "", "1", "88", "", "19"),
    ("0", "55", "0", "anonymous", "1", "2", "", "", "", "", "", ""),
]


def write_export(path: Path, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    tags = [tag for tag, _, _ in METADATA + QUESTIONS]
    texts = [text for _, text, _ in METADATA + QUESTIONS]
    import_ids = [import_id for _, _, import_id in METADATA + QUESTIONS]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([tags, texts, import_ids])
    for number, answer in enumerate(RESPONSES):
        status, progress, finished, channel, *questions = answer
        stamp = f"2024-05-0{number + 1} 10:00:00"
        meta = [stamp, stamp, status, progress, "60", finished, stamp, f"R_{number}", channel]
        writer.writerow([*meta, "EN", *questions])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _question(qid: str, tag: str, text: str, kind: str, selector: str, **extra: object) -> dict:
    payload = {
        "QuestionID": qid,
        "DataExportTag": tag,
        "QuestionText": text,
        "QuestionType": kind,
        "Selector": selector,
        **extra,
    }
    return {"SurveyID": "SV_1", "Element": "SQ", "PrimaryAttribute": qid, "Payload": payload}


def write_qsf(path: Path) -> Path:
    agree = {"1": {"Display": "Disagree"}, "2": {"Display": "Neutral"}, "3": {"Display": "Agree"}}
    elements = [
        {"SurveyID": "SV_1", "Element": "BL", "Payload": []},
        _question(
            "QID2",
            "Q2",
            "<b>How did you hear of us?</b>",
            "MC",
            "SAVR",
            SubSelector="TX",
            Choices={
                "1": {"Display": "Friends"},
                "2": {"Display": "Web"},
                "3": {"Display": "Radio"},
            },
            ChoiceOrder=["1", "2", "3"],
            RecodeValues={"1": "1", "2": "2", "3": "3"},
        ),
        _question(
            "QID4",
            "Q4",
            "How much do you agree?<br>Please be honest.",
            "Matrix",
            "Likert",
            SubSelector="SingleAnswer",
            Choices={"1": {"Display": "I sleep well"}, "2": {"Display": "I eat well"}},
            ChoiceOrder=[1, 2],
            Answers=agree,
            AnswerOrder=[1, 2, 3],
            RecodeValues={"1": "1", "2": "3", "3": "5"},
        ),
        _question(
            "QID5",
            "Q5",
            "Which do you use?",
            "MC",
            "MAVR",
            Choices={"1": {"Display": "Bus"}, "2": {"Display": "Bike"}},
            ChoiceOrder=["1", "2"],
        ),
        _question(
            "QID6",
            "Q6",
            "How happy are you?",
            "Slider",
            "HSLIDER",
            Choices={"1": {"Display": "Happiness"}},
            ChoiceOrder=["1"],
        ),
        _question("QID7", "Q7", "Anything else?", "TE", "ML"),
        _question(
            "QID8",
            "Q8",
            "How old are you?",
            "TE",
            "SL",
            Validation={
                "Settings": {
                    "ForceResponse": "OFF",
                    "Type": "ContentValidation",
                    "ContentType": "ValidNumber",
                }
            },
        ),
    ]
    document = {
        "SurveyEntry": {"SurveyID": "SV_1", "SurveyName": "Habits"},
        "SurveyElements": elements,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
