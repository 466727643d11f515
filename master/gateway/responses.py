"""JSON responses encoded with orjson (FastAPI's default encoder walks every value in Python;
list endpoints are an order of magnitude faster pre-serialized)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
