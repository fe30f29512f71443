"""Plain-English, GOV.UK-style wording for form errors, one function per message pattern.

Each function takes the field's label (its schema `title`, else its name with spaces) and the field's
schema, so the same wording feeds the API's 422 answer and a page's error summary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from forms import formats

Schema = Mapping[str, Any]

_FORMATS = {
    "date": "Enter a date in the format YYYY-MM-DD",
    "date-time": "Enter a date and time in the format YYYY-MM-DDThh:mm:ss+hh:mm (or Z for UTC)",
    "email": "Enter an email address in the correct format, like name@example.com",
    "nhs-number": "Enter a valid NHS number: 10 digits with no spaces",
    "uk-postcode": "Enter a real postcode",
}
_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a group of answers",
    "null": "empty",
}


def field_label(name: str, field: Schema) -> str:
    """The field's title in running text: "Date of birth" becomes "date of birth", "RAG rating" stays."""
    text = str(field.get("title") or name.replace("_", " "))
    first_word = text.split(" ", 1)[0]
    if sum(char.isupper() for char in first_word) > 1:
        return text
    return text[:1].lower() + text[1:]


def missing(label: str, field: Schema) -> str:
    """What to say when a required answer is absent or empty."""
    if _is_boolean(field):
        return f"Select yes or no for {label}"
    if "enum" in field:
        return f"Select {_article(label)} {label}"
    if "enum" in _items(field):
        return f"Select the {label}"
    return f"Enter the {label}"


def either(labels: list[str]) -> str:
    """When one of several answers is needed (anyOf over `required`)."""
    return "Enter the " + " or the ".join(labels)


def unknown_field(name: str) -> str:
    """A property the form does not have (additionalProperties: false)."""
    return f"Remove '{name}': this form has no such question"


def not_applicable(label: str) -> str:
    """An answer the form's rules forbid given the other answers (`not: {required: [...]}`)."""
    return f"Leave {_article_free(label)} out: it does not apply to these answers"


def _article_free(label: str) -> str:
    return f"the {label}" if not label[:1].isupper() else label


def describe(keyword: str, label: str, field: Schema, value: Any, instance: Any = None) -> str:
    """The message for any other failed JSON Schema keyword; `value` is that keyword's value, `instance` the answer."""
    if keyword == "format":
        return _format(label, value, instance)
    wording = _BY_KEYWORD.get(keyword)
    if wording is None:
        return f"Check the answer for {label}"
    return wording(label, field, value)


def date_out_of_range(label: str) -> str:
    """A real date the engine cannot count deadlines from (GOV.UK: "must be between")."""
    return f"{_sentence(label)} must be between {formats.EARLIEST_YEAR} and {formats.LATEST_YEAR}"


def leap_second(label: str) -> str:
    """A date-time at second 60, which the engine cannot hold."""
    return f"Enter the {label} with seconds from 00 to 59"


def _is_boolean(field: Schema) -> bool:
    return field.get("type") == "boolean"


def _items(field: Schema) -> Schema:
    items = field.get("items")
    return items if isinstance(items, Mapping) else {}


def _article(text: str) -> str:
    return "an" if text[:1].lower() in "aeiou" else "a"


def _sentence(label: str) -> str:
    return label[:1].upper() + label[1:]


def _enum(label: str, field: Schema, value: Any) -> str:
    return "Select one of: " + ", ".join(str(option) for option in value)


def _type(label: str, field: Schema, value: Any) -> str:
    expected = value[0] if isinstance(value, list) else value
    if expected == "boolean":
        return f"Select yes or no for {label}"
    return f"{_sentence(label)} must be {_TYPES.get(expected, expected)}"


def _format(label: str, value: Any, instance: Any) -> str:
    if value in ("date", "date-time") and formats.out_of_range(instance):
        return date_out_of_range(label)
    if value == "date-time" and formats.is_leap_second(instance):
        return leap_second(label)
    return _FORMATS.get(value, f"Enter the {label} in the correct format")


def _min_length(label: str, field: Schema, value: Any) -> str:
    if value == 1:
        return missing(label, field)
    return f"{_sentence(label)} must be {value} characters or more"


def _min_items(label: str, field: Schema, value: Any) -> str:
    if "enum" in _items(field):
        return f"Select at least {_count(value)} of the {label}"
    item = _items(field).get("title")
    if value == 1 and item:
        return f"Add at least one {field_label('', {'title': item})}"
    noun = "entry" if value == 1 else "entries"
    return f"Add at least {_count(value)} {noun} to {label}"


def _count(value: Any) -> str:
    return "one" if value == 1 else str(value)


_BY_KEYWORD: dict[str, Callable[[str, Schema, Any], str]] = {
    "enum": _enum,
    "type": _type,
    "minLength": _min_length,
    "minItems": _min_items,
    "maxLength": lambda label, field, value: f"{_sentence(label)} must be {value} characters or fewer",
    "maxItems": lambda label, field, value: f"{_sentence(label)} must have {value} entries or fewer",
    "minimum": lambda label, field, value: f"{_sentence(label)} must be {value} or more",
    "maximum": lambda label, field, value: f"{_sentence(label)} must be {value} or less",
    "exclusiveMinimum": lambda label, field, value: f"{_sentence(label)} must be more than {value}",
    "exclusiveMaximum": lambda label, field, value: f"{_sentence(label)} must be less than {value}",
    "uniqueItems": lambda label, field, value: f"{_sentence(label)} must not include the same answer twice",
    "pattern": lambda label, field, value: f"Enter the {label} in the correct format",
    "const": lambda label, field, value: f"{_sentence(label)} must be {value}",
}
