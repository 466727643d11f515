"""⑧ What the gateway's routes may reach: the process-wide objects the composition root built.

One frozen object, built once by ``master.app`` and handed to ``create_app``; dependencies
(``master.gateway.deps``, ``master.gateway.authz``) read its typed fields, never loose
attributes of ``app.state``. Optional parts (store, command bus) may be absent in a test app;
the dependency that needs one answers 503 then. Deliberately holds no settings object: routes
get the values they use as fields (``api_token``), so what a route depends on is visible here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from master.alerting.service import AlertService
from master.auth.oidc_logins import PendingLogins
from master.auth.throttle import LoginThrottle
from master.commands.bus import CommandBus
from master.datahub.hub import DataHub
from master.gateway.identities import Identities
from master.gateway.oidc_client import OidcClient
from master.gateway.refusal_limits import RefusalLimiter
from master.gateway.stream.registry import Streams
from master.gateway.usage import TokenUsage
from master.remediation.service import RemediationService
from master.slo_service.service import SloService
from master.store import Store
from master.telemetry.metrics import MasterMetrics


@dataclass(frozen=True, slots=True)
class GatewayState:
    hub: DataHub
    api_token: str  # the break-glass admin bearer token; "" = off
    store: Store | None = None
    commands: CommandBus | None = None
    jwt_secret: str = ""  # signs access tokens; "" = logins off (break-glass token only)
    access_ttl_s: int = 300
    identities: Identities = field(default_factory=Identities)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    metrics: MasterMetrics = field(default_factory=MasterMetrics)  # a test app: its own set
    tokens_used: TokenUsage = field(default_factory=TokenUsage)  # master.app gives it the store
    refusals: RefusalLimiter = field(default_factory=RefusalLimiter)
    refresh_ttl_s: int = 12 * 3600  # a refresh family's absolute lifetime (a working day)
    secure_cookies: bool = True  # the refresh cookie's Secure flag (off only for plain-HTTP labs)
    oidc: OidcClient | None = None  # single sign-on; None = off
    oidc_logins: PendingLogins = field(default_factory=PendingLogins)
    streams: Streams = field(default_factory=Streams)  # open event streams (routes/stream)
    # Set once the master serves (gRPC bound, HTTP up), cleared when shutdown begins: /readyz.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    alerts: AlertService | None = None  # the alert service; None: alert routes answer 503
    slos: SloService | None = None  # the SLO service; None: SLO routes answer 503
    remediations: RemediationService | None = None  # None: remediation routes answer 503


def gateway_state(conn: HTTPConnection) -> GatewayState:
    """The state ``create_app`` (or a test) put on the application."""
    state: GatewayState = conn.app.state.gateway
    return state
