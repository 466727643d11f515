"""Namespace include/exclude filtering, and which namespaces get their own watch.

Owns the rule: cluster-scoped objects always pass; a Namespace object is judged by its own
name; with an include list only those namespaces pass, and excluded ones never do.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.sources.settings import SourcesSettings


@dataclass(frozen=True, slots=True)
class NamespaceFilter:
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: SourcesSettings) -> NamespaceFilter:
        return cls(frozenset(settings.namespaces_include), frozenset(settings.namespaces_exclude))

    def allows(self, kind: str, namespace: str, name: str) -> bool:
        ns = name if kind == "Namespace" else namespace
        if not ns:
            return True
        if ns in self.exclude:
            return False
        return not self.include or ns in self.include

    def scopes(self, namespaced: bool) -> list[str | None]:
        """Watch scopes of a kind: one per included namespace, else one for everything."""
        if namespaced and self.include:
            return list[str | None](sorted(self.include))
        return [None]
