"""What one watched kind is: the ``SourceSpec`` row type of the ``SOURCES`` table.

Owns the row shape: which row of the kind table (``shared.kinds``: API coordinates and scope)
it watches, its projection and its defaults. Does not own the table itself (``registry``), the
coordinates (``shared.kinds``), URL building (``agent.kubeapi.paths``) or the watch loop
(``watching``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from agent.kubeapi.paths import collection_path
from shared.domain.resources import Health
from shared.kinds import Kind

# Raw Kubernetes JSON as orjson parses it. The projections read it defensively (``.get`` with
# defaults), because the agent must survive objects from any API server version.
Raw = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Projection:
    """The slim, redacted view of one object that leaves the agent, and a quick health."""

    body: dict[str, Any]
    health: Health


Project = Callable[[Raw], Projection]


class ChangeClock(Protocol):
    """The lookups' change clock (``agent.detect.context.IndexContext``)."""

    def last_change(self, kind: str, namespace: str, labels: Mapping[str, str] | None) -> int: ...


# The tick of the last change among the looked-up objects an object's detector reads.
RecheckInputs = Callable[[Raw, ChangeClock], int]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One watched resource.

    ``api`` is its row of the kind table; its ``kind`` is what the mirror and the detectors
    call it. Two sources may share a kind (the core/v1 and events.k8s.io Event APIs), but only
    one of them may be enabled.
    ``normalize`` converts an object to the shape the detectors expect (only the
    events.k8s.io source needs it). ``recheck_always`` keeps every object of the kind for
    periodic detector rechecks, for kinds whose findings depend on other objects (a Service's
    ready endpoints). ``hold_unhealthy`` False keeps objects for rechecks only while they
    have findings (Warning events are "unhealthy" for their whole life but matter only while
    fresh). ``recheck_inputs`` (with ``recheck_always``) names what the kind's detector reads
    besides the object and the time: a held object whose last verdict found nothing is then
    re-judged only when one of those inputs changed or a duration it saw pending comes due.
    ``optional_api`` marks an API only some clusters serve (a CRD such as the Gateway API's):
    a 404 means "not installed", reported once as ``disabled`` with the reason rather than as
    an error, and checked again on the slow forbidden-retry period."""

    api: Kind
    project: Project
    enabled_by_default: bool = True
    normalize: Callable[[Raw], Raw] | None = None
    recheck_always: bool = False
    hold_unhealthy: bool = True
    recheck_inputs: RecheckInputs | None = None
    optional_api: bool = False

    @property
    def kind(self) -> str:
        return self.api.kind

    @property
    def namespaced(self) -> bool:
        return self.api.namespaced

    @property
    def api_version(self) -> str:
        return self.api.api_version

    def path(self, namespace: str | None = None) -> str:
        """Collection URL; ``namespace`` None means all namespaces (or a cluster-scoped kind)."""
        return collection_path(self.api, namespace)
