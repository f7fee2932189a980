"""A Qualtrics survey definition (`.qsf`, JSON): its questions, and what each export column is.

Pure rules (json, html, re), shared by the kernel reader and the file page
(`datadive.files.qsf`), so that both give a column the same question text, choice labels and
measurement level:

- single-answer multiple choice: nominal, choice texts as labels of the recode values;
- one column per choice of a multi-select question (1 or blank): binary;
- Likert and bipolar matrix items: ordinal, the scale points as labels;
- sliders, constant sums, timing: scale; rank order: ordinal;
- text entry: free text (nominal), unless its validation asks for a number
  (`Validation.Settings.ContentType: ValidNumber`, e.g. an age): then scale.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

_TAG = re.compile(r"<[^>]+>")
_MULTIPLE = {"MAVR", "MAHR", "MACOL", "MSB"}
QUESTION_ID = re.compile(r"(QID\d+)(?:_(.+))?")
NUMBER_VALIDATION = "ValidNumber"


class NotASurveyDefinition(ValueError):
    """The file is not a `.qsf` (JSON with SurveyEntry and SurveyElements)."""

    def __init__(self) -> None:
        super().__init__(
            "This is not a Qualtrics survey definition (.qsf): expected JSON with "
            "SurveyEntry and SurveyElements. Export it again from Qualtrics (Tools → "
            "Import/Export → Export survey)."
        )


def plain_text(value: Any) -> str:
    """Question texts are HTML; keep the words."""
    text = html.unescape(_TAG.sub(" ", str(value or "")))
    return " ".join(text.split())


def parse_qsf(data: bytes) -> dict[str, Any]:
    """The survey's id, name and questions keyed by QuestionID."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
        elements = document["SurveyElements"]
        entry = document.get("SurveyEntry") or {}
        if not isinstance(elements, list) or not isinstance(entry, dict):
            raise TypeError("SurveyElements must be a list")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise NotASurveyDefinition() from error
    questions: dict[str, dict[str, Any]] = {}
    for element in elements:
        if not isinstance(element, dict) or element.get("Element") != "SQ":
            continue
        payload = element.get("Payload") or {}
        question_id = payload.get("QuestionID") or element.get("PrimaryAttribute")
        if question_id and isinstance(payload, dict):
            questions[str(question_id)] = payload
    return {
        "survey_id": entry.get("SurveyID"),
        "survey_name": entry.get("SurveyName"),
        "questions": questions,
    }


def read_qsf(path: str | Path) -> dict[str, Any]:
    return parse_qsf(Path(path).read_bytes())


def question_summaries(survey: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "question_id": question_id,
            "export_tag": payload.get("DataExportTag"),
            "text": plain_text(payload.get("QuestionText")),
            "question_type": payload.get("QuestionType"),
            "selector": payload.get("Selector"),
            "sub_selector": payload.get("SubSelector"),
            "choices": labels_of(payload, "Choices", "ChoiceOrder", recode=False),
        }
        for question_id, payload in survey["questions"].items()
    ]


def labels_of(payload: dict[str, Any], key: str, order_key: str, *, recode: bool) -> dict[Any, str]:
    """The labels of a question's choices (or a matrix's answers) by value. Parts of another
    shape than Qualtrics writes are passed over: a damaged file gives fewer labels, no error."""
    items = payload.get(key) or {}
    if isinstance(items, list):  # Qualtrics writes an empty object as []
        items = dict(enumerate(items, start=1))
    if not isinstance(items, dict):
        return {}
    order = payload.get(order_key)
    if not isinstance(order, list) or not order:
        order = list(items)
    recodes = payload.get("RecodeValues") if recode else None
    if not isinstance(recodes, dict):
        recodes = {}
    labels: dict[Any, str] = {}
    for choice_id in order:
        if not isinstance(choice_id, str | int):
            continue
        choice = items.get(str(choice_id)) or items.get(choice_id)
        if not isinstance(choice, dict):
            continue
        value = recodes.get(str(choice_id), choice_id)
        labels[_number_or_text(value)] = plain_text(choice.get("Display"))
    return labels


def _number_or_text(value: Any) -> Any:
    try:
        return int(str(value))
    except ValueError:
        return str(value)


def find_question(
    survey: dict[str, Any], *, import_id: str | None, name: str
) -> tuple[dict[str, Any], list[str]] | None:
    """The question an export column belongs to, and the parts after its id (choice, TEXT…)."""
    questions = survey["questions"]
    if import_id:
        match = QUESTION_ID.fullmatch(import_id)
        if match and match.group(1) in questions:
            rest = match.group(2)
            return questions[match.group(1)], rest.split("_") if rest else []
    for payload in questions.values():  # legacy exports carry no ImportId: go by export tag
        tag = str(payload.get("DataExportTag") or "")
        if tag and (name == tag or name.startswith(tag + "_")):
            rest = name[len(tag) + 1 :]
            return payload, rest.split("_") if rest else []
    return None


def asks_for_a_number(payload: dict[str, Any]) -> bool:
    """A text entry whose validation only accepts numbers."""
    validation = payload.get("Validation")
    settings = validation.get("Settings") if isinstance(validation, dict) else None
    return isinstance(settings, dict) and settings.get("ContentType") == NUMBER_VALIDATION


def describe_column(payload: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """Question text, value labels and measurement level of one export column."""
    kind = payload.get("QuestionType")
    selector = payload.get("Selector")
    sub_selector = payload.get("SubSelector")
    text = plain_text(payload.get("QuestionText"))
    choices = labels_of(payload, "Choices", "ChoiceOrder", recode=False)
    info: dict[str, Any] = {
        "question_id": payload.get("QuestionID"),
        "question_type": kind,
        "selector": selector,
        "sub_selector": sub_selector,
        "free_text": False,
        "multi_select": False,
    }
    choice = _number_or_text(parts[0]) if parts and parts[0] != "TEXT" else None
    statement = choices.get(choice) if choice is not None else None
    label = f"{text} - {statement}" if statement else text
    result: dict[str, Any] = {"label": label, "value_labels": None, "measurement": "nominal"}
    if "TEXT" in parts or kind == "TE":
        info["text_entry"] = True
        if kind == "TE" and asks_for_a_number(payload):
            result["measurement"] = "scale"
        else:
            info["free_text"] = True
    elif kind == "MC" and selector in _MULTIPLE:
        info["multi_select"] = True
        if choice is None:  # one column of comma-joined codes
            result["value_labels"] = labels_of(payload, "Choices", "ChoiceOrder", recode=True)
        else:  # split multi-value fields: one indicator per choice, 1 or blank
            result["value_labels"] = {1: statement or str(choice)}
            result["measurement"] = "binary"
    elif kind == "MC":
        result["value_labels"] = labels_of(payload, "Choices", "ChoiceOrder", recode=True)
    elif kind == "Matrix":
        answers = labels_of(payload, "Answers", "AnswerOrder", recode=True)
        if sub_selector == "MultipleAnswer":
            info["multi_select"] = True
            answer = _number_or_text(parts[1]) if len(parts) > 1 else None
            result["value_labels"] = {1: answers.get(answer, str(answer))}
            result["measurement"] = "binary"
        else:
            result["value_labels"] = answers
            result["measurement"] = "ordinal" if selector in {"Likert", "Bipolar"} else "nominal"
    elif kind in {"Slider", "CS", "Timing"}:
        result["measurement"] = "scale"
    elif kind == "RO":
        result["measurement"] = "ordinal"
    result["qualtrics"] = info
    return result
