"""JSON that travels inside protobuf fields, checked once where the message is decoded.

The master serves an object's ``body_json`` by splicing it into its responses and parses a
command's ``result_json`` for every read, so both are checked here, once, and nothing past the
wire ever holds anything else:

- ``object_body``: a resource body must be one JSON object (or absent); anything else is a
  ``WireError`` -- the frame is malformed and its stream ends. Deltas are not journaled, so
  refusing one loses nothing acknowledged; the agent resends its state on the next session.
- ``command_result``: a command result must be one JSON object (or absent). One that is not is
  replaced by an error marker instead of refused: the update rides in a journal record, and
  refusing it would stall that cluster's whole journal on a record the agent replays forever,
  while the command's state change it carries is still true. The marker is itself an object:
  ``{"error": "invalid_result", "detail": ..., "bytes": n}``.

Owns these checks only; what the shapes inside mean belongs to the agent's projections and
command implementations."""

from __future__ import annotations

import orjson

from shared.wire.errors import WireError


def _object(raw: bytes) -> str:
    """ "" when ``raw`` is one JSON object, else why it is not."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        return f"not JSON ({e.msg})"
    return "" if type(value) is dict else f"a JSON {type(value).__name__}, not an object"


def object_body(raw: bytes) -> bytes:
    """``raw`` if empty or one JSON object; else WireError."""
    if raw and (why := _object(raw)):
        raise WireError(f"resource body is {why}")
    return raw


def command_result(raw: bytes) -> bytes:
    """``raw`` if empty or one JSON object; else the error marker that replaces it."""
    if not raw or not (why := _object(raw)):
        return raw
    return orjson.dumps(
        {"error": "invalid_result", "detail": f"agent sent {why}", "bytes": len(raw)}
    )
