"""Label matchers: ``=``, ``!=``, ``=~``, ``!~``, as Alertmanager has them.

A missing label matches as the empty string; regexes are anchored at both ends
(``namespace=~"prod-.*"`` does not match ``preprod-a``). Parses both forms a pasted config
may use: the list form (``matchers: ['severity="critical"', 'namespace=~"prod-.*"']``, where
one item may also hold several, ``{a="1", b!="2"}``) and the older ``match`` / ``match_re``
maps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from master.alerts.errors import MatcherError
from master.alerts.labels import Labels

MatchOp = Literal["=", "!=", "=~", "!~"]
_OPS: tuple[MatchOp, ...] = ("=~", "!~", "!=", "=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    op: MatchOp
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def make(cls, name: str, op: MatchOp, value: str) -> Matcher:
        regex = None
        if op in ("=~", "!~"):
            try:
                regex = re.compile(value)
            except re.error as e:
                raise MatcherError(f"{name}{op}{value!r}: the regex does not compile: {e}") from e
        return cls(name, op, value, regex)

    def matches(self, labels: Labels) -> bool:
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        assert self._regex is not None
        hit = self._regex.fullmatch(got) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


Matchers = tuple[Matcher, ...]


def matches_all(matchers: Iterable[Matcher], labels: Labels) -> bool:
    return all(m.matches(labels) for m in matchers)


def parse_matchers(text: str) -> list[Matcher]:
    """One list item: ``a="1"``, ``a = 1``, or several, ``{a="1", b=~"x|y"}``."""
    s = text.strip()
    if s.startswith("{"):
        if not s.endswith("}"):
            raise MatcherError(f"{text!r}: an opening '{{' needs a closing '}}'")
        s = s[1:-1]
    out: list[Matcher] = []
    pos = _skip(s, 0)
    while pos < len(s):
        matcher, pos = _one(s, pos, text)
        out.append(matcher)
        pos = _skip(s, pos)
        if pos < len(s):
            if s[pos] != ",":
                raise MatcherError(f"{text!r}: expected ',' between matchers at {s[pos:]!r}")
            pos = _skip(s, pos + 1)
    if not out:
        raise MatcherError(f"{text!r} holds no matcher")
    return out


def parse_matcher_list(items: Sequence[str]) -> Matchers:
    return tuple(m for item in items for m in parse_matchers(item))


def from_maps(match: Mapping[str, str], match_re: Mapping[str, str]) -> Matchers:
    """The old ``match`` (equality) and ``match_re`` (regex) maps, in that order."""
    out = [Matcher.make(k, "=", v) for k, v in sorted(match.items())]
    out += [Matcher.make(k, "=~", v) for k, v in sorted(match_re.items())]
    return tuple(out)


def _skip(s: str, pos: int) -> int:
    while pos < len(s) and s[pos].isspace():
        pos += 1
    return pos


def _one(s: str, pos: int, text: str) -> tuple[Matcher, int]:
    if pos < len(s) and s[pos] == '"':
        name, pos = _quoted(s, pos, text)
    else:
        m = _NAME.match(s, pos)
        if m is None:
            raise MatcherError(f"{text!r}: expected a label name at {s[pos:]!r}")
        name, pos = m.group(), m.end()
    pos = _skip(s, pos)
    op = next((o for o in _OPS if s.startswith(o, pos)), None)
    if op is None:
        raise MatcherError(f"{text!r}: expected one of = != =~ !~ after {name!r}")
    pos = _skip(s, pos + len(op))
    if pos < len(s) and s[pos] == '"':
        value, pos = _quoted(s, pos, text)
    else:
        end = s.find(",", pos)
        end = len(s) if end < 0 else end
        value = s[pos:end].strip()
        if '"' in value:
            raise MatcherError(f"{text!r}: a value with quotes must be quoted as a whole")
        pos = end
    return Matcher.make(name, op, value), pos


def _quoted(s: str, pos: int, text: str) -> tuple[str, int]:
    out: list[str] = []
    i = pos + 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            # Unknown escapes stay as written, so a regex's ``\.`` survives the quoting.
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise MatcherError(f"{text!r}: a quoted string is not closed")
