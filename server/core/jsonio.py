"""The API's JSON, read and written by orjson.

A device's first pull answers pages of 500 jobs (about 700 KB each) and a push
sends 200 ops; the standard library's encoder and decoder were a seventh of a
pull's time. The answers are the same JSON: keys sorted as Flask sorts them,
text as itself (no \\u escapes), and whatever orjson does not write itself
(dates, decimals, Flask's own types) through Flask's default, so a date is
written as Flask always wrote it. Anything orjson refuses to write (an integer
past 64 bits) is written by the standard library instead.
"""

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# What Flask's response asks for a compact answer: orjson's only form.
_COMPACT = {"separators": (",", ":")}


class OrjsonProvider(DefaultJSONProvider):
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs and kwargs != _COMPACT:
            return super().dumps(obj, **kwargs)  # indented, for a person reading it
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except (orjson.JSONEncodeError, TypeError):
            return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)
