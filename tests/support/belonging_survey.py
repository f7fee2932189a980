"""A Qualtrics study of students' sense of belonging, for analyses from end to end: an export
(three header rows, a byte-order mark, two survey previews to leave out) and its `.qsf`.

Q1 programme (Psychology, Sociology, Economics), Q2 gender (Woman, Man), Q3_1–Q3_4 a 5-point
Likert matrix of belonging whose third statement is negatively worded, Q4 weekly study hours
(a number), Q5 whether the student intends to continue (Yes, No). The numbers come from a
seeded generator: the same file every time.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from tests.support.qualtrics import multiple_choice, survey_definition

SURVEY_ID = "SV_belonging16"
PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}
GENDERS = {1: "Woman", 2: "Man"}
AGREEMENT = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
STATEMENTS = {
    1: "I feel I belong in my programme",
    2: "People in my programme accept me",
    3: "I often feel like an outsider",
    4: "I am glad I chose this programme",
}
CONTINUE = {1: "Yes", 2: "No"}
RESPONDENTS = 90
PREVIEWS = 2

META = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished"]
META += ["RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
META_TEXTS = ["Start Date", "End Date", "Response Type", "Progress", "Duration (in seconds)"]
META_TEXTS += ["Finished", "Recorded Date", "Response ID", "Distribution Channel", "User Language"]
META_IDS = ["startDate", "endDate", "status", "progress", "duration", "finished"]
META_IDS += ["recordedDate", "_recordId", "distributionChannel", "userLanguage"]
QUESTIONS = ["Q1", "Q2", "Q3_1", "Q3_2", "Q3_3", "Q3_4", "Q4", "Q5"]
QUESTION_TEXTS = [
    "Which programme are you in?",
    "What is your gender?",
    *(f"How much do you agree? - {text}" for text in STATEMENTS.values()),
    "How many hours a week do you study?",
    "Do you intend to continue your programme next year?",
]
QUESTION_IDS = ["QID1", "QID2", "QID3_1", "QID3_2", "QID3_3", "QID3_4", "QID4_TEXT", "QID5"]


def answers() -> list[list[str]]:
    """The respondents' answers (as Qualtrics codes), in the order of QUESTIONS."""
    rng = np.random.default_rng(16)
    rows = []
    for number in range(RESPONDENTS):
        programme = number % 3 + 1
        gender = (number // 3) % 2 + 1
        belonging = (3.7, 3.2, 2.8)[programme - 1] + (0.2 if gender == 1 else 0.0)
        belonging += rng.normal(0, 0.6)
        items = [min(5, max(1, round(belonging + rng.normal(0, 0.7)))) for _ in range(4)]
        items[2] = 6 - items[2]  # negatively worded: agreeing means belonging less
        hours = max(2.0, round(12 + 3 * belonging + rng.normal(0, 4), 1))
        chance = 1 / (1 + np.exp(-(-5 + 1.6 * belonging + 0.04 * hours)))
        stays = 1 if rng.random() < chance else 2
        row = [str(programme), str(gender), *map(str, items), f"{hours:g}", str(stays)]
        if number == 7:
            row[6] = ""  # one student left the hours empty
        rows.append(row)
    return rows


def belonging_export() -> bytes:
    """The export's bytes: header rows, the respondents, then survey previews."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(META + QUESTIONS)
    writer.writerow(META_TEXTS + QUESTION_TEXTS)
    writer.writerow([json.dumps({"ImportId": key}) for key in META_IDS + QUESTION_IDS])
    rows = answers()
    for number, row in enumerate(rows + rows[:PREVIEWS], start=1):
        preview = number > RESPONDENTS
        day = f"2026-10-{number % 28 + 1:02d}"
        writer.writerow(
            [
                f"{day} 10:00:00",
                f"{day} 10:09:00",
                "1" if preview else "0",
                "100",
                "540",
                "1",
                f"{day} 10:09:01",
                f"R_{number:04d}belong",
                "preview" if preview else "anonymous",
                "EN",
                *row,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def belonging_qsf() -> bytes:
    """The survey definition: choice texts, the Likert matrix, the number-only hours."""
    matrix = {
        "QuestionID": "QID3",
        "DataExportTag": "Q3",
        "QuestionText": "How much do you agree?",
        "QuestionType": "Matrix",
        "Selector": "Likert",
        "SubSelector": "SingleAnswer",
        "Choices": {str(code): {"Display": text} for code, text in STATEMENTS.items()},
        "ChoiceOrder": [str(code) for code in STATEMENTS],
        "Answers": {str(code): {"Display": text} for code, text in AGREEMENT.items()},
        "AnswerOrder": [str(code) for code in AGREEMENT],
    }
    hours = {
        "QuestionID": "QID4",
        "DataExportTag": "Q4",
        "QuestionText": "How many hours a week do you study?",
        "QuestionType": "TE",
        "Selector": "SL",
        "Validation": {"Settings": {"ContentType": "ValidNumber"}},
    }
    questions = [
        multiple_choice(1, "Which programme are you in?", PROGRAMMES),
        multiple_choice(2, "What is your gender?", GENDERS),
        matrix,
        hours,
        multiple_choice(5, "Do you intend to continue your programme next year?", CONTINUE),
    ]
    return survey_definition(SURVEY_ID, "Belonging", questions)
