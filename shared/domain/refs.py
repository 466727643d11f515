"""References to Kubernetes objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Identifies one Kubernetes object; ``namespace`` is empty for cluster-scoped kinds."""

    kind: str
    namespace: str = ""
    name: str = ""
    uid: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"
