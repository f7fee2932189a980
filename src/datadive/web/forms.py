"""Forms on pages: what the user typed, a message next to each field that was wrong, and a
summary at the top. The rules are the services' and the API schemas'; nothing is re-checked
here that they already check."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.errors import DatadiveError, FieldError, Invalid, RateLimited

Model = TypeVar("Model", bound=BaseModel)

CHECK_FIELDS = "Please correct the fields marked below."
# Field messages read as the end of a sentence that starts with the field's label
# ("Password must be at least 8 characters long"); others are shown as they are.
PREDICATE_STARTS = ("is ", "are ", "must ", "was ", "has ", "does ", "should ", "can ", "cannot ")


@dataclass(frozen=True)
class Form:
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.message)

    @classmethod
    def rejected(
        cls,
        values: Mapping[str, str],
        error: DatadiveError,
        *,
        fields: Collection[str],
        secret: Collection[str] = (),
    ) -> Form:
        """The form again after `error`: each field error next to its field, the rest in the
        summary. Secret fields (passwords) are never sent back to the browser."""
        kept = {name: value for name, value in values.items() if name not in secret}
        if not isinstance(error, Invalid) or not error.errors:
            return cls(values=kept, message=error.detail)
        placed: dict[str, str] = {}
        unplaced: list[FieldError] = []
        for problem in error.errors:
            if problem.field in fields and problem.field not in placed:
                placed[problem.field] = problem.message
            else:
                unplaced.append(problem)
        message = (
            " ".join(f"{p.field}: {p.message}." for p in unplaced) if unplaced else CHECK_FIELDS
        )
        return cls(values=kept, errors=placed, message=message)


def pick(values: Mapping[str, str], names: Collection[str]) -> dict[str, str]:
    return {name: values.get(name, "") for name in names}


def failure_status(error: DatadiveError) -> int:
    """A form shown again answers 422, or 429 when it was refused for coming too often.
    (htmx swaps in exactly these; other errors become toasts.)"""
    return 429 if isinstance(error, RateLimited) else 422


def failure_headers(error: DatadiveError) -> dict[str, str]:
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after_seconds)}
    return {}


def sentence(label: str, message: str) -> str:
    """`("Password", "must be at least 8 characters long")` → a sentence for the field."""
    text = f"{label} {message}" if message.startswith(PREDICATE_STARTS) else message
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def pydantic_message(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    match error["type"]:
        case "string_too_short" if context.get("min_length") == 1:
            return "is required"
        case "string_too_short":
            return f"must be at least {context.get('min_length')} characters long"
        case "string_too_long":
            return f"must be at most {context.get('max_length')} characters long"
        case "missing":
            return "is required"
        case "literal_error":
            return f"must be one of {context.get('expected')}"
        case "control_character":
            return str(error["msg"])
        case _:
            return f"is not valid ({error['msg']})"


def require_filled(values: Mapping[str, str], *names: str) -> None:
    """Refuse empty required fields, all at once, before any service is asked."""
    missing = [name for name in names if not values.get(name, "").strip()]
    if missing:
        raise Invalid(
            f"Fill in: {', '.join(missing)}.",
            errors=[FieldError(name, "is required") for name in missing],
        )


def parse(model: type[Model], data: Mapping[str, Any]) -> Model:
    """The API schema `model` from form fields; its errors become field errors."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors = [
            FieldError(
                str(problem["loc"][0]) if problem["loc"] else "body", pydantic_message(problem)
            )
            for problem in exc.errors()
        ]
        fields = ", ".join(dict.fromkeys(problem.field for problem in errors))
        raise Invalid(f"Check these fields: {fields}.", errors=errors) from None


async def settle(session: AsyncSession, error: DatadiveError, *reload: object) -> None:
    """End a failed attempt the way the API's request transaction would: keep what the error
    asks to keep (a failed sign-in counted), undo the rest. Rolling back expires every loaded
    object; `reload` lists those the page is about to show again."""
    if error.keep_changes:
        await session.commit()
    else:
        await session.rollback()
    for instance in reload:
        await session.refresh(instance)
