"""The route tree, as Alertmanager walks it.

An alert enters at the root (which matches everything) and descends depth-first into the
first child that matches; a matching child with ``continue: true`` lets the walk go on to its
later siblings too. A node none of whose children match is itself the destination. Children
inherit ``receiver``, ``group_by`` and the three timers from their parent; the time
intervals are not inherited (Alertmanager's behaviour: a child names its own).

A route's ``key`` is Alertmanager's shape (``{}/{severity="critical"}``), stable across
restarts and edits elsewhere in the tree, so a group's notification log survives a reload."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from master.alerts.config import RouteSpec
from master.alerts.labels import Labels, format_labels
from master.alerts.matchers import Matchers, from_maps, matches_all, parse_matcher_list

DEFAULT_GROUP_WAIT_MS = 30_000
DEFAULT_GROUP_INTERVAL_MS = 300_000
DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000


@dataclass(frozen=True, slots=True)
class RouteOpts:
    receiver: str
    group_by: tuple[str, ...] | None  # None: every label (``...``)
    group_wait_ms: int
    group_interval_ms: int
    repeat_interval_ms: int
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    key: str
    matchers: Matchers
    continue_: bool
    opts: RouteOpts
    routes: tuple[Route, ...] = ()

    def match(self, labels: Labels) -> list[Route]:
        """The destinations of ``labels`` below (and including) this node."""
        if not matches_all(self.matchers, labels):
            return []
        out: list[Route] = []
        for child in self.routes:
            hit = child.match(labels)
            out += hit
            if hit and not child.continue_:
                break
        return out or [self]


def compile_route(spec: RouteSpec, parent: Route | None = None, key: str = "{}") -> Route:
    base = parent.opts if parent is not None else None
    group_by: tuple[str, ...] | None
    if spec.group_by is not None:
        group_by = None if spec.group_by == ["..."] else tuple(spec.group_by)
    else:
        group_by = base.group_by if base is not None else ()
    wait, interval, repeat = (
        (DEFAULT_GROUP_WAIT_MS, DEFAULT_GROUP_INTERVAL_MS, DEFAULT_REPEAT_INTERVAL_MS)
        if base is None
        else (base.group_wait_ms, base.group_interval_ms, base.repeat_interval_ms)
    )
    opts = RouteOpts(
        receiver=spec.receiver or (base.receiver if base is not None else ""),
        group_by=group_by,
        group_wait_ms=wait if spec.group_wait is None else spec.group_wait,
        group_interval_ms=interval if spec.group_interval is None else spec.group_interval,
        repeat_interval_ms=repeat if spec.repeat_interval is None else spec.repeat_interval,
        mute_time_intervals=tuple(spec.mute_time_intervals),
        active_time_intervals=tuple(spec.active_time_intervals),
    )
    matchers = parse_matcher_list(spec.matchers) + from_maps(spec.match, spec.match_re)
    node = Route(key, matchers, spec.continue_, opts)
    children: list[Route] = []
    seen: set[str] = set()
    for i, child_spec in enumerate(spec.routes):
        child_matchers = parse_matcher_list(child_spec.matchers)
        child_matchers += from_maps(child_spec.match, child_spec.match_re)
        child_key = f"{key}/{{{','.join(map(str, child_matchers))}}}"
        if child_key in seen:  # identical siblings: keep their groups apart
            child_key += f"#{i}"
        seen.add(child_key)
        children.append(compile_route(child_spec, node, child_key))
    return Route(key, matchers, spec.continue_, opts, tuple(children))


def group_labels(opts: RouteOpts, labels: Labels) -> dict[str, str]:
    if opts.group_by is None:
        return dict(sorted(labels.items()))
    return {k: labels[k] for k in sorted(opts.group_by) if labels.get(k, "") != ""}


def group_key(route: Route, labels: Labels) -> str:
    return f"{route.key}:{format_labels(group_labels(route.opts, labels))}"


def walk(route: Route) -> Iterator[Route]:
    yield route
    for child in route.routes:
        yield from walk(child)
