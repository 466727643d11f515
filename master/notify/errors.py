"""The notify package's errors (drawn in ``master.notify``'s docstring)."""

from __future__ import annotations

from master.errors import MasterError


class NotifyError(MasterError):
    """Root of everything notify raises."""


class UnsafeDestination(NotifyError):
    """A receiver address the master refuses to send to: not http(s), link-local or cloud
    metadata, or one of the master's own ports. Permanent: retrying cannot make it safe."""


class UnknownChannel(NotifyError):
    """A receiver names a channel that is not in ``CHANNELS``."""


class SendFailed(NotifyError):
    """One attempt failed. ``status`` is the HTTP status or SMTP reply code when the peer
    answered (None when it could not be reached); ``retry_after`` is the raw ``Retry-After``
    header; ``permanent`` says whether another attempt could succeed (None: let
    ``delivery.classify`` decide from ``status``)."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        permanent: bool | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.permanent = permanent
