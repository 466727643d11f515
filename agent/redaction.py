"""The agent's one redaction policy (ARCHITECTURE decision 3): what may leave the agent of what
it reads from the Kubernetes API, whether it leaves as a watched resource (② sources) or as a
command's answer (the executor's ``describe`` and ``pod_logs``).

The policy, in two parts:

1. **Objects have a known shape: allow-lists.** The places where Kubernetes objects carry
   secrets are known, and at each of them only what is listed here may leave:

   ============================================  =============================================
   where                                          what may leave
   ============================================  =============================================
   ``metadata.managedFields``                     nothing (field ownership, names every field)
   annotation ``last-applied-configuration``      nothing (a full copy of the object as
                                                  applied: env values, Secret data included)
   other annotation values                        the value, cut at ``MAX_TEXT``
   container ``env[]`` entries                    ``name`` and ``valueFrom`` (``ENV_KEYS``): a
                                                  reference names a Secret key, not its content
   Secret ``data``/``stringData``                 the keys
   Secret annotation values                       nothing (tools store copies of the data there)
   pod volume ``csi.volumeAttributes``,           the keys (driver-specific settings, sometimes
   ``flexVolume.options``                         credentials)
   ============================================  =============================================

   Where the output shows the object as a whole (``describe``, ``redact_object``) a withheld
   value reads ``REDACTED``, so the operator sees that it exists; a projection leaves it out.
   The sources go further and project every kind through an allow-list of fields
   (``agent.sources.trimming`` and the kind modules), so a field nobody listed never leaves.

2. **Free text has no shape: a documented deny-list.** Text written by workloads or for humans
   (container logs, event and condition messages, status messages) is scrubbed by
   ``scrub`` of the patterns in ``DENY_LIST``: credentials after a secret-sounding key
   (``password=…``, ``"api_key": "…"``), ``Authorization`` header values and bearer tokens,
   passwords in URLs, PEM private keys. A deny-list cannot be complete and does not pretend to
   be: it catches the common ways credentials end up in logs, and errs towards redacting (a
   ``token: expired`` loses its ``expired``). Free text in projections is also cut at
   ``MAX_TEXT`` (``free_text``).

Owns the policy and the functions that apply it. Pure: no I/O; ``redact_object`` copies, the
``strip_*`` functions change the object they are given (for objects the caller owns). Does not
own which fields a projection keeps (``agent.sources``) or what a command returns
(``agent.executor.commands``). Imports nothing of the agent: it sits below the sources and the
executor.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Free text past this is cut: it is for humans, and a 100 KiB annotation (some operators store
# JSON in them) must not ride on every delta.
MAX_TEXT = 1024

ENV_KEYS = ("name", "valueFrom")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
SECRET_VALUE_FIELDS = ("data", "stringData")
# Volume sources whose free-form maps may hold credentials: (volume source, map field).
VOLUME_MAPS = (("csi", "volumeAttributes"), ("flexVolume", "options"))

# -- objects ------------------------------------------------------------------------------------


def env_var(entry: Mapping[str, Any], *, mark: bool = False) -> dict[str, Any]:
    """An env entry as it may leave: ``ENV_KEYS`` only; with ``mark``, a literal value reads
    ``REDACTED`` instead of being left out."""
    out = {k: entry[k] for k in ENV_KEYS if k in entry}
    if mark and "value" in entry:
        out["value"] = REDACTED
    return out


def env(items: Iterable[Mapping[str, Any]], *, mark: bool = False) -> list[dict[str, Any]]:
    return [env_var(e, mark=mark) for e in items]


def withheld(values: Mapping[str, Any]) -> dict[str, str]:
    """A map whose values may not leave: its keys, each reading ``REDACTED``."""
    return dict.fromkeys(values, REDACTED)


def cut(text: object) -> str:
    """``text`` as a string of at most ``MAX_TEXT`` characters (and a note of what was cut)."""
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + f"…(+{len(s) - MAX_TEXT} chars)"


def trim_annotations(ann: Mapping[str, Any]) -> dict[str, Any]:
    """Annotations as they may leave a projection: without last-applied, values cut."""
    if LAST_APPLIED not in ann and all(
        isinstance(v, str) and len(v) <= MAX_TEXT for v in ann.values()
    ):
        return dict(ann)
    return {k: cut(v) for k, v in ann.items() if k != LAST_APPLIED}


def strip_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove ``managedFields`` and the last-applied annotation from ``obj`` in place."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            ann.pop(LAST_APPLIED, None)
    return obj


def pod_specs(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod specs inside an object: a Pod's own, a workload's template, a CronJob's."""
    spec = obj.get("spec") or {}
    found = []
    if obj.get("kind") == "Pod":
        found.append(spec)
    template = (spec.get("template") or {}).get("spec")
    if isinstance(template, dict):
        found.append(template)
    job_template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    if isinstance(job_template.get("spec"), dict):
        found.append(job_template["spec"])
    return found


def redact_object(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of a whole object with part 1 of the policy applied, withheld values marked
    ``REDACTED`` (``describe``). The input is not changed."""
    out = strip_metadata(copy.deepcopy(obj))
    if out.get("kind") == "Secret":
        for key in SECRET_VALUE_FIELDS:
            if isinstance(out.get(key), dict):
                out[key] = withheld(out[key])
        meta = out.get("metadata") or {}
        if isinstance(meta.get("annotations"), dict):
            meta["annotations"] = withheld(meta["annotations"])
    for pod_spec in pod_specs(out):
        for field in CONTAINER_LISTS:
            for c in pod_spec.get(field) or ():
                if c.get("env"):
                    c["env"] = env(c["env"], mark=True)
        for volume in pod_spec.get("volumes") or ():
            for source, field in VOLUME_MAPS:
                attrs = (volume.get(source) or {}).get(field)
                if isinstance(attrs, dict):
                    volume[source][field] = withheld(attrs)
    return out


# -- free text ----------------------------------------------------------------------------------

_SECRET_KEY = r"[\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|credentials?)"

# (what it catches, pattern, replacement). Patterns keep what names the secret and replace
# only the secret itself.
DENY_LIST: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "PEM private keys, whole blocks (or to the end of a cut text)",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)",
            re.DOTALL,
        ),
        REDACTED,
    ),
    (
        "Authorization header values, after an optional scheme",
        re.compile(
            r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest)\s+)?)"
            r"[^\s\"',;]+"
        ),
        rf"\1{REDACTED}",
    ),
    ("bearer tokens", re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/-]{8,}=*"), rf"\1{REDACTED}"),
    (
        "passwords in URLs (scheme://user:password@host)",
        re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@"),
        rf"\1{REDACTED}@",
    ),
    (
        'values of secret-sounding keys: password=…, api_key: …, "token": "…"',
        re.compile(rf"(?i)(\b{_SECRET_KEY}[\"']?\s*[:=]\s*[\"']?)(?!{REDACTED})[^\s\"',;&}}]+"),
        rf"\1{REDACTED}",
    ),
)

# Every pattern above needs one of these (lower-cased) in the text: most text has none, and a
# substring test is much cheaper than the patterns.
_TRIGGERS = ("private key", "authorization", "bearer", "://", *(
    "password", "passwd", "secret", "token", "key", "credential",
))  # fmt: skip


def scrub(text: str) -> str:
    """``text`` with part 2 of the policy applied (``DENY_LIST``); the same object when
    nothing matched."""
    low = text.lower()
    if not any(t in low for t in _TRIGGERS):
        return text
    out = text
    for _, pattern, replacement in DENY_LIST:
        out = pattern.sub(replacement, out)
    return out if out != text else text


def free_text(text: object) -> str:
    """Free text as it may leave in a projection: scrubbed, then cut at ``MAX_TEXT``."""
    return cut(scrub(text) if isinstance(text, str) else text)
