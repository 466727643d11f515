"""⑧ The SLO definitions (admin): get, validate, replace. A replaced file is refused with 422
naming file, line and field, and the running definitions stay; every attempt is audited."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from master.auth.roles import Permission
from master.errors import Conflict
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_body, error_responses
from master.gateway.deps import Slos, StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import problems_refused
from master.gateway.routes.slos import definition_json
from master.slo import openslo
from master.slo.errors import DefinitionError
from master.slo_service.config import SloConfigError, entry_of
from shared.clock import now_ms

router = APIRouter(tags=["slos"])

CONFIG_MAX = 512 * KiB


class SloConfigText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(max_length=CONFIG_MAX)


def _config_json(slos: Slos) -> dict[str, Any]:
    c = slos.config
    return {
        "source": str(slos.config_path),
        "timezone": c.timezone,
        "yaml": c.text,  # nothing secret in SLO definitions
        "slos": [definition_json(s, slos) for s in c.slos],
    }


async def _audit(
    store: StoreDep, actor: str, action: str, e: SloConfigError | None, refused: str = ""
) -> None:
    detail: dict[str, Any] = {}
    if e is not None:
        detail["problems"] = [str(p) for p in e.problems][:20]
    if refused:
        detail["refused"] = refused
    await store.audit.append(
        at_ms=now_ms(),
        actor=actor,
        action=action,
        cluster="",
        target="slo-config",
        detail=detail,
        outcome="ok" if e is None and not refused else "refused",
    )


@router.get("/slo-config", dependencies=[need(Permission.ADMIN)])
async def get_slo_config(slos: Slos) -> FastJSON:
    return FastJSON(_config_json(slos))


@router.post(
    "/slo-config/validate", dependencies=[need(Permission.ADMIN)], responses=error_responses(422)
)
@body_limit(CONFIG_MAX + 4 * KiB)
async def validate_slo_config(
    body: SloConfigText, slos: Slos, store: StoreDep, caller: Caller
) -> FastJSON:
    try:
        config = slos.validate(body.yaml)
    except SloConfigError as e:
        await _audit(store, caller.name, "slo_config.validate", e)
        return problems_refused("the SLO definitions file", e.problems)
    await _audit(store, caller.name, "slo_config.validate", None)
    return FastJSON({"valid": True, "slos": [s.name for s in config.slos]})


@router.put("/slo-config", dependencies=[need(Permission.ADMIN)], responses=error_responses(422))
@body_limit(CONFIG_MAX + 4 * KiB)
async def put_slo_config(
    body: SloConfigText, slos: Slos, store: StoreDep, caller: Caller
) -> FastJSON:
    try:
        await slos.replace_config(body.yaml)
    except SloConfigError as e:
        await _audit(store, caller.name, "slo_config.replace", e)
        return problems_refused("the SLO definitions file", e.problems)
    except Conflict as e:  # mounted read-only: refused, and the refusal is part of the story
        await _audit(store, caller.name, "slo_config.replace", None, refused=str(e))
        raise
    await _audit(store, caller.name, "slo_config.replace", None)
    return FastJSON(_config_json(slos))


@router.post(
    "/slo-config/openslo", dependencies=[need(Permission.ADMIN)], responses=error_responses(422)
)
@body_limit(CONFIG_MAX + 4 * KiB)
async def import_openslo(
    body: SloConfigText, slos: Slos, store: StoreDep, caller: Caller
) -> FastJSON:
    """OpenSLO v1 ``kind: SLO`` documents (one or more, ``---``-separated) -> entries of the
    definitions file, to review and PUT: nothing runs until then. A document Lookout cannot
    measure is refused with 422 naming the document and field."""
    try:
        docs = [d for d in yaml.safe_load_all(body.yaml) if d is not None]
    except yaml.YAMLError as e:
        return _openslo_refused("documents", f"not YAML: {e}")
    entries = []
    for i, doc in enumerate(docs):
        try:
            slo = openslo.parse(yaml.safe_dump(doc))
        except DefinitionError as e:
            return _openslo_refused(f"documents[{i}].{e.field}", str(e).split(": ", 1)[-1])
        entries.append(entry_of(slo))
    text = yaml.safe_dump({"slos": entries}, sort_keys=False, allow_unicode=True)
    try:
        slos.validate(text)
    except SloConfigError as e:
        await _audit(store, caller.name, "slo_config.import", e)
        return problems_refused("the imported SLOs", e.problems)
    # Nothing runs yet, but what an admin converted is part of the definitions' story.
    await _audit(store, caller.name, "slo_config.import", None)
    return FastJSON({"slos": entries, "yaml": text})


def _openslo_refused(field: str, message: str) -> FastJSON:
    body = error_body(
        422,
        f"not an SLO Lookout can measure: {field}: {message}",
        [{"field": field, "message": message}],
    )
    return FastJSON(body, status_code=422)
