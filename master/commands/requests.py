"""Validation of a command request against the catalogue (``shared.commands.catalogue``) and
the kind table (which targets need a namespace). Pure: no store, no clock.

A request that passes here is well-formed for its type; whether the cluster exists, and whether
the agent's policy allows it, are checked by the bus and the agent respectively."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from master.errors import MasterError
from shared.commands.catalogue import CATALOGUE
from shared.domain.refs import ObjectRef
from shared.kinds import kind

# RFC 1123 subdomain: what Kubernetes accepts for most object and namespace names.
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DEFAULT_TIMEOUT_S = 300.0


class InvalidCommand(MasterError):
    """The request cannot become a command; ``str(e)`` says exactly why (HTTP 422)."""


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(..., min_length=1, max_length=63)
    namespace: str = Field("", max_length=63)
    name: str = Field(..., min_length=1, max_length=253)


class CommandIn(BaseModel):
    """The HTTP body of ``POST /clusters/{c}/commands``."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(..., min_length=1, max_length=64)
    target: TargetIn
    params: dict[str, Any] = Field(default_factory=dict)
    dry_run: bool = False
    idempotency_key: str = Field("", max_length=128)
    timeout_s: float = Field(
        DEFAULT_TIMEOUT_S,
        gt=0,
        le=24 * 3600,
        description="Deadline from now (seconds): past it the command is timed_out, never run.",
    )
    override_reason: str = Field(
        "",
        max_length=500,
        description="Why a risky change goes ahead although an SLO with the error-budget policy "
        "has no budget left (admins only; audited). Ignored when no policy holds it back.",
    )


@dataclass(frozen=True, slots=True)
class ValidCommand:
    type: str
    target: ObjectRef
    params_json: bytes  # normalised: defaults filled in, so the audit shows what will run
    dry_run: bool
    idempotency_key: str
    timeout_s: float


def validate(req: CommandIn) -> ValidCommand:
    ctype = CATALOGUE.get(req.type)
    if ctype is None:
        known = ", ".join(sorted(CATALOGUE))
        raise InvalidCommand(f"unknown command type {req.type!r} (known: {known})")
    t = req.target
    if t.kind not in ctype.target_kinds:
        allowed = ", ".join(sorted(ctype.target_kinds))
        raise InvalidCommand(f"{req.type} cannot target a {t.kind} (allowed: {allowed})")
    namespaced = kind(t.kind).namespaced  # every target kind is a row of shared.kinds
    if not namespaced and t.namespace:
        raise InvalidCommand(f"a {t.kind} is cluster-scoped: target.namespace must be empty")
    if namespaced and not t.namespace:
        raise InvalidCommand(f"a {t.kind} target needs target.namespace")
    for field, value in (("namespace", t.namespace), ("name", t.name)):
        if value and not NAME_RE.match(value):
            raise InvalidCommand(f"target.{field} {value!r} is not a valid Kubernetes name")
    try:
        params = ctype.params.model_validate(req.params)
    except ValidationError as e:
        raise InvalidCommand(f"invalid params for {req.type}: {_problems(e)}") from None
    return ValidCommand(
        type=req.type,
        target=ObjectRef(kind=t.kind, namespace=t.namespace, name=t.name),
        params_json=orjson.dumps(params.model_dump(), option=orjson.OPT_SORT_KEYS),
        dry_run=req.dry_run,
        idempotency_key=req.idempotency_key,
        timeout_s=req.timeout_s,
    )


def _problems(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "params"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)
