"""The placeholders a care message may hold, and the rules of its text: pure functions, no database.

A template names a recipient's detail as ``{name}``, from a fixed list; ``{{`` and ``}}`` write a brace itself.
Anything else between braces (an unknown name, a format spec, ``{}``) or a lone brace is refused, naming it, so
a message never goes out to a million phones with a hole in it.
"""

import string
from collections.abc import Mapping

# Each placeholder and what it is filled with (the recipient's unit, or a setting).
PLACEHOLDERS = {
    "model": "the unit's model",
    "category": "its product line",
    "product_name": "the product's name",
    "sale_date": "the day it was sold (YYYY-MM-DD)",
    "province": "the province it was sold in",
    "city": "the city it was sold in",
    "serial_tail": "the last 4 characters of its serial",
    "hotline": "the service hotline (CARE_HOTLINE)",
}

_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    """What is wrong with a message's text: a sentence, and the placeholder (or brace) at fault."""

    def __init__(self, message: str, placeholder: str):
        super().__init__(message)
        self.placeholder = placeholder


def placeholders_in(body: str) -> list[str]:
    """The placeholders ``body`` uses, in order of first use; TemplateError for one unknown or malformed."""
    try:
        parts = list(_FORMATTER.parse(body))
    except ValueError as error:
        brace = "{" if "'{'" in str(error) or "end of string" in str(error) else "}"
        raise TemplateError(f"A lone '{brace}': write '{brace * 2}' for the brace itself.", brace) from None
    used: list[str] = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if name not in PLACEHOLDERS:
            raise TemplateError(f"Unknown placeholder {written}: use one of {', '.join(PLACEHOLDERS)}.", written)
        if spec or conversion:
            raise TemplateError(f"Write {{{name}}} instead of {written}: a placeholder takes no format.", written)
        if name not in used:
            used.append(name)
    return used


def render(body: str, values: Mapping[str, str], opt_out_text: str) -> str:
    """``body`` filled from ``values`` (a missing detail is left empty), ending with the opt-out wording."""
    text = body.format_map({name: values.get(name) or "" for name in PLACEHOLDERS})
    return f"{text.rstrip()}{opt_out_text}" if opt_out_text else text


def serial_tail(serial: str) -> str:
    return serial[-4:]
