"""Slack, Teams and webhook notifications over real sockets to a local recording receiver;
the outbound rules (own ports, redirects, capped reads) against the same real peer."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jsonschema_rs
import pytest
import trustme

from master.notify.channels import SendContext
from master.notify.errors import SendFailed
from master.notify.posting import HttpRequest, post
from master.notify.receivers import parse_receiver
from master.notify.safety import OutboundPolicy
from master.notify.worker import send_notification
from tests.integration.notify.peers import Answer, Receiver
from tests.unit.notify.samples import T0, crashloop, resolved
from tests.unit.notify.test_slack import assert_within_block_kit_limits

SCHEMA = json.loads((Path(__file__).parent / "alertmanager_webhook.schema.json").read_text())
CONTEXT = SendContext(policy=OutboundPolicy(timeout_s=10))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    peer = Receiver()
    await peer.start()
    yield peer
    await peer.stop()


async def _send(channel: str, config: dict[str, object], n, context=CONTEXT) -> int:
    r = parse_receiver({"name": n.receiver, "channel": channel, "config": config})
    return await send_notification(r, n, now_ms=T0, context=context)


async def test_slack_receives_500_grouped_pods_within_block_kit_limits(receiver: Receiver) -> None:
    assert await _send("slack", {"url": receiver.url("/services/T/B/x")}, crashloop(500)) == 200
    [got] = receiver.received
    assert got.path == "/services/T/B/x"
    assert got.headers["Content-Type"].startswith("application/json")
    payload = got.json()
    assert_within_block_kit_limits(payload)
    assert payload["blocks"][0]["text"]["text"].startswith("🔴 Firing")
    assert "more not shown" in payload["blocks"][-2]["elements"][0]["text"]


async def test_teams_receives_one_adaptive_card(receiver: Receiver) -> None:
    await _send("msteams", {"url": receiver.url("/workflows/x")}, crashloop(3, language="zh"))
    [got] = receiver.received
    [attachment] = got.json()["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert (
        attachment["content"]["body"][0]["text"] == "🔴 告警中: CrashLoopBackOff · Deployment/api"
    )


async def test_webhook_payloads_validate_against_the_alertmanager_schema(
    receiver: Receiver,
) -> None:
    firing = crashloop(20, key="k-firing")
    await _send("webhook", {"url": receiver.url()}, firing)
    await _send("webhook", {"url": receiver.url()}, resolved(firing, key="k-resolved", at_ms=T0))
    validator = jsonschema_rs.validator_for(SCHEMA)
    bodies = [r.json() for r in receiver.received]
    for body in bodies:
        errors = [str(e) for e in validator.iter_errors(body)]
        assert errors == []
    assert [b["status"] for b in bodies] == ["firing", "resolved"]
    assert [r.headers["X-Lookout-Idempotency-Key"] for r in receiver.received] == [
        "k-firing",
        "k-resolved",
    ]
    assert [b["idempotencyKey"] for b in bodies] == ["k-firing", "k-resolved"]


async def test_the_masters_own_port_is_refused_before_any_connection(receiver: Receiver) -> None:
    own = SendContext(policy=OutboundPolicy(own_ports=frozenset({receiver.port})))
    with pytest.raises(SendFailed, match="own port") as caught:
        await _send("webhook", {"url": receiver.url()}, crashloop(1), context=own)
    assert caught.value.permanent is True
    assert receiver.received == []


async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.script = lambda r: (
        Answer(302, {"Location": "/elsewhere"}) if r.path == "/hook" else Answer()
    )
    with pytest.raises(SendFailed) as caught:
        await _send("webhook", {"url": receiver.url()}, crashloop(1))
    assert caught.value.status == 302
    assert [r.path for r in receiver.received] == ["/hook"]


async def test_a_huge_answer_is_read_only_up_to_the_cap(receiver: Receiver) -> None:
    receiver.script = lambda _r: Answer(200, body=b"x" * (1024 * 1024))
    policy = OutboundPolicy(max_response_bytes=64 * 1024)
    answer = await post(HttpRequest(url=receiver.url(), body=b"{}"), policy)
    assert answer.truncated and len(answer.body) == 64 * 1024


async def test_an_error_answer_carries_status_and_retry_after(receiver: Receiver) -> None:
    receiver.script = lambda _r: Answer(429, {"Retry-After": "7"}, b"slow down")
    with pytest.raises(SendFailed, match="HTTP 429: slow down") as caught:
        await post(HttpRequest(url=receiver.url(), body=b"{}"), OutboundPolicy())
    assert caught.value.status == 429 and caught.value.retry_after == "7"


async def test_an_unreachable_receiver_is_a_retryable_failure(receiver: Receiver) -> None:
    url = receiver.url()
    await receiver.stop()
    with pytest.raises(SendFailed) as caught:
        await post(HttpRequest(url=url, body=b"{}"), OutboundPolicy(timeout_s=5))
    assert caught.value.status is None and caught.value.permanent is None


async def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    receiver: Receiver,
) -> None:
    # The name exists only in this resolver: had the client looked it up again, it would fail.
    async def resolver(host: str, port: int) -> list[str]:
        assert host == "hooks.lookout.test"
        return ["127.0.0.1"]

    context = SendContext(resolver=resolver)
    url = receiver.url("/pinned", host="hooks.lookout.test")
    await _send("webhook", {"url": url}, crashloop(1), context=context)
    [got] = receiver.received
    assert got.path == "/pinned"
    assert got.headers["Host"] == f"hooks.lookout.test:{receiver.port}"


async def test_https_receivers_are_verified_against_their_name(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    peer = Receiver(tls=server_ctx)
    await peer.start()
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    try:
        async with httpx.AsyncClient(verify=client_ctx) as http:
            await _send(
                "webhook", {"url": peer.url(host="localhost")}, crashloop(1), SendContext(http=http)
            )
        assert len(peer.received) == 1
        # The certificate names "localhost" only: the same server by address is refused.
        async with httpx.AsyncClient(verify=client_ctx) as http:
            with pytest.raises(SendFailed, match="CERTIFICATE_VERIFY_FAILED"):
                await _send("webhook", {"url": peer.url()}, crashloop(1), SendContext(http=http))
        assert len(peer.received) == 1
    finally:
        await peer.stop()
