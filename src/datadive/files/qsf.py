"""Read a Qualtrics survey definition (`.qsf`, JSON) and describe export columns with it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from datadive.files.errors import UnreadableFile

MAX_QSF_BYTES = 64 * 1024 * 1024
_TAG = re.compile(r"<[^>]+>")
_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB", "NPS"}
_MULTIPLE = {"MAVR", "MAHR", "MACOL", "MSB"}


def plain_text(value: Any) -> str:
    """Question texts are HTML; keep the words."""
    text = html.unescape(_TAG.sub(" ", str(value or "")))
    return " ".join(text.split())


def read_qsf(path: Path) -> dict[str, Any]:
    """The survey's name and its questions keyed by QuestionID."""
    if path.stat().st_size > MAX_QSF_BYTES:
        raise UnreadableFile("The .qsf file is larger than 64 MB; is it a survey definition?")
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
        elements = document["SurveyElements"]
        entry = document.get("SurveyEntry") or {}
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise UnreadableFile(
            "This is not a Qualtrics survey definition (.qsf): expected JSON with "
            "SurveyEntry and SurveyElements. Export it again from Qualtrics (Tools → "
            "Import/Export → Export survey)."
        ) from error
    questions: dict[str, dict[str, Any]] = {}
    for element in elements:
        if not isinstance(element, dict) or element.get("Element") != "SQ":
            continue
        payload = element.get("Payload") or {}
        question_id = payload.get("QuestionID") or element.get("PrimaryAttribute")
        if question_id:
            questions[str(question_id)] = payload
    return {
        "survey_id": entry.get("SurveyID"),
        "survey_name": entry.get("SurveyName"),
        "questions": questions,
    }


def question_summaries(survey: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "question_id": question_id,
            "export_tag": payload.get("DataExportTag"),
            "text": plain_text(payload.get("QuestionText")),
            "question_type": payload.get("QuestionType"),
            "selector": payload.get("Selector"),
            "sub_selector": payload.get("SubSelector"),
            "choices": _labels(payload, "Choices", "ChoiceOrder", recode=False),
        }
        for question_id, payload in survey["questions"].items()
    ]


def _labels(payload: dict[str, Any], key: str, order_key: str, *, recode: bool) -> dict[Any, str]:
    items = payload.get(key) or {}
    if isinstance(items, list):  # Qualtrics writes an empty object as []
        items = dict(enumerate(items, start=1))
    order = payload.get(order_key) or list(items)
    recodes = (payload.get("RecodeValues") or {}) if recode else {}
    labels: dict[Any, str] = {}
    for choice_id in order:
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
        match = re.fullmatch(r"(QID\d+)(?:_(.+))?", import_id)
        if match and match.group(1) in questions:
            rest = match.group(2)
            return questions[match.group(1)], rest.split("_") if rest else []
    for payload in questions.values():  # legacy exports carry no ImportId: go by export tag
        tag = str(payload.get("DataExportTag") or "")
        if tag and (name == tag or name.startswith(tag + "_")):
            rest = name[len(tag) + 1 :]
            return payload, rest.split("_") if rest else []
    return None


def describe_column(payload: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """Question text, value labels and measurement level of one export column."""
    kind = payload.get("QuestionType")
    selector = payload.get("Selector")
    sub_selector = payload.get("SubSelector")
    text = plain_text(payload.get("QuestionText"))
    choices = _labels(payload, "Choices", "ChoiceOrder", recode=False)
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
        info["free_text"] = True
    elif kind == "MC" and selector in _MULTIPLE:
        info["multi_select"] = True
        if choice is None:  # one column of comma-joined codes
            result["value_labels"] = _labels(payload, "Choices", "ChoiceOrder", recode=True)
        else:  # split multi-value fields: one indicator per choice
            result["value_labels"] = {1: statement or str(choice)}
    elif kind == "MC":
        result["value_labels"] = _labels(payload, "Choices", "ChoiceOrder", recode=True)
    elif kind == "Matrix":
        answers = _labels(payload, "Answers", "AnswerOrder", recode=True)
        if sub_selector == "MultipleAnswer":
            info["multi_select"] = True
            answer = _number_or_text(parts[1]) if len(parts) > 1 else None
            result["value_labels"] = {1: answers.get(answer, str(answer))}
        else:
            result["value_labels"] = answers
            result["measurement"] = "ordinal" if selector in {"Likert", "Bipolar"} else "nominal"
    elif kind in {"Slider", "CS", "Timing"}:
        result["measurement"] = "scale"
    elif kind == "RO":
        result["measurement"] = "ordinal"
    result["qualtrics"] = info
    return result
