"""The simulator's one exception tree, rendered as Kubernetes ``Status`` objects.

    LookoutError (shared.errors)
    └── KubesimError                          -- the simulator's root (it is its own process)
        └── ApiError(code, reason, message)   -> HTTP ``code`` with a v1 Status body

Routes raise ``ApiError``; ``http`` maps it to a response in one place.
"""

from __future__ import annotations

from typing import Any

from shared.errors import LookoutError


class KubesimError(LookoutError):
    """Base of every error the simulator raises on purpose."""


class ApiError(KubesimError):
    def __init__(
        self, code: int, reason: str, message: str, *, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(resource: str, name: str) -> ApiError:
    plural = resource.split(".", 1)[0]
    group = resource.split(".", 1)[1] if "." in resource else ""
    return ApiError(
        404,
        "NotFound",
        f'{resource} "{name}" not found',
        details={"name": name, "group": group, "kind": plural},
    )


def already_exists(resource: str, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{resource} "{name}" already exists')


def conflict(resource: str, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
    )


def gone(requested: int, oldest: int) -> ApiError:
    # Same wording as the watch cache, so log-matching code behaves alike on both backends.
    return ApiError(410, "Expired", f"too old resource version: {requested} ({oldest})")


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)
