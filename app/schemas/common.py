"""What every resource's schemas share: strict bodies, identifiers, free text, the cursor page."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

JSONObject = dict[str, Any]

#: Identifiers the service makes (q_…, bk_…, opt-…): anything else cannot name a stored row.
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


def _printable(text: str) -> str:
    """Text a person wrote: no NUL or other control characters (line breaks and tabs allowed)."""
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return text


#: Free text on documents (party names, references): printable and bounded.
Printable = Annotated[str, AfterValidator(_printable)]
ReferenceKey = Annotated[Printable, Field(min_length=1, max_length=64)]
ReferenceValue = Annotated[Printable, Field(max_length=200)]


class Strict(BaseModel):
    """Bodies refuse unknown fields, so that a misspelt option is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


ItemT = TypeVar("ItemT", bound=BaseModel)


def _described_as_page(schema: JsonDict) -> None:
    schema["description"] = inspect.cleandoc(Page.__doc__ or "")


class Page(BaseModel, Generic[ItemT]):
    """A page of a list, in the order its operation names; next_cursor continues it."""

    # a parametrized page (Page[QuoteOut]) has no docstring of its own: its schema takes this one's
    model_config = ConfigDict(json_schema_extra=_described_as_page)

    items: list[ItemT]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """``Page[QuoteOut]`` is ``QuotePage``: the name clients see in the OpenAPI document."""
        (item,) = params
        name: str = item.__name__
        return name.removesuffix("Out") + "Page"
