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
   ConfigMap ``data``/``binaryData``              the keys (configuration, often with credentials
                                                  despite the kind)
   container ``command``/``args``, probe and      each word scrubbed as free text (part 2); a
   lifecycle-hook ``exec.command``                word after a secret-sounding flag
                                                  (``--password``, ``-token``) withheld
   probe and hook ``httpGet.httpHeaders``         the header names (an ``Authorization`` header
                                                  is a credential)
   ``message`` fields of ``status``               scrubbed as free text (a termination message is
                                                  whatever the workload wrote)
   pod volume ``csi.volumeAttributes``,           the keys (driver-specific settings, sometimes
   ``flexVolume.options``                         credentials)
   ============================================  =============================================

   Where the output shows the object as a whole (``describe``, ``redact_object``) a withheld
   value reads ``REDACTED``, so the operator sees that it exists; a projection leaves it out
   (projections keep neither commands nor probe details: a probe there is "has one").
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
CONFIGMAP_VALUE_FIELDS = ("data", "binaryData")
ARGV_FIELDS = ("command", "args")
# Where a container names handlers that may carry an httpGet with headers or an exec command.
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")
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


def templates(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod templates inside an object (``metadata`` + ``spec``): a Pod itself, a workload's
    template, a CronJob's job template and its pod template."""
    spec = obj.get("spec") or {}
    found: list[dict[str, Any]] = []
    if obj.get("kind") == "Pod" and isinstance(obj, dict):
        found.append(obj)
    template = spec.get("template")
    if isinstance(template, dict):
        found.append(template)
    job = spec.get("jobTemplate")
    if isinstance(job, dict):
        found.append(job)
        job_pod = (job.get("spec") or {}).get("template")
        if isinstance(job_pod, dict):
            found.append(job_pod)
    return found


def pod_specs(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod specs inside an object: a Pod's own, a workload's template, a CronJob's (a
    CronJob's job template holds a pod template, not a pod spec)."""
    return [
        t["spec"]
        for t in templates(obj)
        if isinstance(t.get("spec"), dict) and not isinstance(t["spec"].get("template"), dict)
    ]


def argv(words: Iterable[object]) -> list[object]:
    """A command line as it may leave: each word scrubbed as free text, and the word after a
    secret-sounding flag (``--password hunter2``) withheld."""
    out: list[object] = []
    withhold_next = False
    for word in words:
        if not isinstance(word, str):
            out.append(word)
            continue
        out.append(REDACTED if withhold_next else scrub(word))
        withhold_next = _SECRET_FLAG.fullmatch(word) is not None
    return out


def handler(h: dict[str, Any]) -> None:
    """A probe or lifecycle handler in place: header values withheld, exec command as ``argv``."""
    http = h.get("httpGet")
    if isinstance(http, dict) and isinstance(http.get("httpHeaders"), list):
        http["httpHeaders"] = [
            {**header, "value": REDACTED}
            if isinstance(header, dict) and "value" in header
            else header
            for header in http["httpHeaders"]
        ]
    command = (h.get("exec") or {}).get("command")
    if isinstance(command, list):
        h["exec"]["command"] = argv(command)


def _container(c: dict[str, Any]) -> None:
    if c.get("env"):
        c["env"] = env(c["env"], mark=True)
    for field in ARGV_FIELDS:
        if isinstance(c.get(field), list):
            c[field] = argv(c[field])
    for probe in PROBES:
        if isinstance(c.get(probe), dict):
            handler(c[probe])
    lifecycle = c.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in HOOKS:
            if isinstance(lifecycle.get(hook), dict):
                handler(lifecycle[hook])


def _pod_spec(pod_spec: dict[str, Any]) -> None:
    for field in CONTAINER_LISTS:
        for c in pod_spec.get(field) or ():
            if isinstance(c, dict):
                _container(c)
    for volume in pod_spec.get("volumes") or ():
        for source, field in VOLUME_MAPS:
            attrs = (volume.get(source) or {}).get(field)
            if isinstance(attrs, dict):
                volume[source][field] = withheld(attrs)


def _metadata(meta: object, *, secret: bool) -> None:
    """Annotations in place as the policy lets them leave: a Secret's withheld, others without
    last-applied and cut at ``MAX_TEXT`` (as in a projection)."""
    if not isinstance(meta, dict):
        return
    meta.pop("managedFields", None)
    ann = meta.get("annotations")
    if isinstance(ann, dict):
        ann.pop(LAST_APPLIED, None)
        meta["annotations"] = withheld(ann) if secret else trim_annotations(ann)


def _status_messages(node: object) -> None:
    """Every ``message`` under ``status`` scrubbed in place (conditions, container states)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "message" and isinstance(value, str):
                node[key] = scrub(value)
            else:
                _status_messages(value)
    elif isinstance(node, list):
        for item in node:
            _status_messages(item)


def redact_object(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of a whole object with part 1 of the policy applied, withheld values marked
    ``REDACTED`` (``describe``). The input is not changed."""
    out = copy.deepcopy(obj)
    kind = out.get("kind")
    _metadata(out.get("metadata"), secret=kind == "Secret")
    if kind == "Secret":
        for key in SECRET_VALUE_FIELDS:
            if isinstance(out.get(key), dict):
                out[key] = withheld(out[key])
    elif kind == "ConfigMap":
        for key in CONFIGMAP_VALUE_FIELDS:
            if isinstance(out.get(key), dict):
                out[key] = withheld(out[key])
    for template in templates(out):
        if template is not out:
            _metadata(template.get("metadata"), secret=False)
    for pod_spec in pod_specs(out):
        _pod_spec(pod_spec)
    _status_messages(out.get("status"))
    return out


# -- free text ----------------------------------------------------------------------------------

_SECRET_KEY = r"[\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|credentials?)"
# A flag whose value is the next word: ``--password``, ``-token``, ``--db-password``.
_SECRET_FLAG = re.compile(rf"(?i)--?{_SECRET_KEY}")

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
