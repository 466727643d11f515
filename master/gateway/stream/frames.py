"""Server-sent event frames: one change, encoded once, in the REST answers' shapes.

    id: <change id>
    event: cluster | resource | finding | command | alert | resync
    data: <one line of JSON>

Payloads reuse the route views, so an event's object equals an item of the matching list:
``cluster`` is ``cluster_view`` (GET /clusters), ``resource`` is ``{cluster, kind, op,
namespace, name, object}`` with ``object`` an item of GET /clusters/{c}/resources (null on
delete), ``finding`` is ``{cluster, op, finding}`` with ``finding_view``, ``command`` is
``{command}`` with the command's view and transitions (GET /commands/{id}), ``alert`` is
``{op, alert}`` with ``alert_json`` (an item of GET /alerts) and ``op`` changed | resolved |
removed (``stream.alert_diff``; topic ``alerts``, published after the alert service's step
committed), ``resync`` is ``{reason, cluster}`` (``cluster`` null when every cluster is
concerned). The heartbeat is the comment ``: hb``.

Object bodies come from the agent as JSON, spliced unparsed; JSON may hold raw line breaks as
whitespace, which would end the ``data`` line, so such a body is re-encoded on one line (raw
line breaks can only be whitespace: inside strings JSON escapes them). Pure but for the
cache: encoding fills ``Change.frame`` and lets go of ``Change.subject``."""

from __future__ import annotations

import orjson

from master.commands.bus import CommandSnapshot
from master.datahub.changes import Change
from master.gateway.routes.commands import command_view
from master.gateway.routes.findings import finding_view
from master.gateway.routes.resources import item_bytes
from shared.domain.findings import Finding
from shared.domain.resources import Resource

HEARTBEAT = b": hb\n\n"


def one_line(data: bytes) -> bytes:
    if b"\n" in data or b"\r" in data:
        return orjson.dumps(orjson.loads(data))
    return data


def sse(event_id: int, event: str, data: bytes) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, event.encode(), one_line(data))


def resync(event_id: int, reason: str, cluster: str | None = None) -> bytes:
    return sse(event_id, "resync", orjson.dumps({"reason": reason, "cluster": cluster}))


def frame(change: Change) -> bytes:
    """The change's frame; encoded by the first stream that sends it, reused by the rest."""
    frame = change.frame
    if frame is None:
        frame = change.frame = sse(change.id, change.topic, _data(change))
        # The frame says it all now: a replaced object's old version is not kept twice (the
        # ring would otherwise hold both, about twice the bytes per change).
        change.subject = None
    return frame


def _data(change: Change) -> bytes:
    subject = change.subject
    if change.topic == "resource" and isinstance(subject, Resource):
        ref = subject.ref
        head = orjson.dumps(
            {
                "cluster": change.cluster,
                "kind": ref.kind,
                "op": change.op,
                "namespace": ref.namespace,
                "name": ref.name,
            }
        )
        item = b"null" if change.op == "delete" else item_bytes(subject)
        return head[:-1] + b',"object":' + item + b"}"
    if change.topic == "finding" and isinstance(subject, Finding):
        view = finding_view(subject)
        return orjson.dumps({"cluster": change.cluster, "op": change.op, "finding": view})
    if change.topic == "command" and isinstance(subject, CommandSnapshot):
        return orjson.dumps({"command": command_view(subject.row, list(subject.transitions))})
    if change.topic == "resync":
        return orjson.dumps({"reason": change.op, "cluster": change.cluster or None})
    # cluster: its view, taken when the change was seen; alert: {op, alert}, made so
    return orjson.dumps(subject)
