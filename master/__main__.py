"""``lookout-master``: run the master, or manage clusters and their agent tokens.

lookout-master [run]                    serve (settings from MASTER_* environment)
lookout-master cluster add NAME         register a cluster, print its agent token once
lookout-master cluster list
lookout-master cluster rotate NAME      new token; the old one stops working
lookout-master cluster revoke NAME      the agent is refused until rotated
lookout-master user add NAME [--role R]  create a dashboard user (password on stdin/prompt)
lookout-master user list|disable|enable|set-role|reset-password
lookout-master credentials admin-password  print the generated first admin's password
                                        (MASTER_GENERATE_SECRETS)
lookout-master credentials ca           print the generated CA agents must trust
                                        (MASTER_TLS_SELF_SIGNED)
lookout-master audit verify             check the audit log's hash chain (exit 1 if broken)
lookout-master audit export --format jsonl|csv   every audit entry to stdout

Generated credentials (``master.bootstrap``) are made on first use, by whichever of ``run`` and
``credentials`` comes first, and read back afterwards.

Revoke and rotate write the store only; a running master (any replica on the same database)
re-checks the tokens of its live sessions about twice a second and ends a session whose token
no longer holds (``master.ingress.revalidation``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import SecretStr, ValidationError

from master import bootstrap, people_cli
from master.clusters import tokens
from master.settings import MasterSettings
from shared import logs
from shared.clock import now_ms
from shared.errors import LookoutError
from shared.lifecycle import run_loop, run_until_signalled

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lookout-master",
        description="Lookout master: multi-cluster ingress, DataHub, history, alerts, API.",
        epilog="Settings come from MASTER_* environment variables (see README).",
    )
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="serve (the default)")
    cluster = sub.add_parser("cluster", help="manage clusters and agent tokens")
    csub = cluster.add_subparsers(dest="action", required=True)
    for action, text in (
        ("add", "register a cluster and print its agent token"),
        ("rotate", "issue a new token (the old one stops working)"),
        ("revoke", "refuse the cluster's agent until rotated"),
    ):
        csub.add_parser(action, help=text).add_argument("name")
    csub.add_parser("list", help="list clusters")
    people_cli.add_parser(sub)
    creds = sub.add_parser("credentials", help="print credentials the master generated")
    creds.add_argument("which", choices=["api-token", "admin-password", "ca"])
    audit = sub.add_parser("audit", help="check or export the audit log")
    asub = audit.add_subparsers(dest="action", required=True)
    asub.add_parser("verify", help="check the hash chain; exit 1 naming the first bad entry")
    asub.add_parser("export", help="every entry to stdout").add_argument(
        "--format", choices=["jsonl", "csv"], default="jsonl"
    )
    return p


def with_credentials(settings: MasterSettings) -> MasterSettings:
    """``settings`` with the generated JWT secret, first admin password and self-signed
    certificate filled in (made
    once in the data directory, the same on every later start)."""
    update: dict[str, object] = {}
    directory = bootstrap.credentials_dir(settings.data_dir)
    if settings.generate_secrets:
        generated = bootstrap.ensure_secrets(directory)
        if not settings.jwt_secret.get_secret_value():
            update["jwt_secret"] = SecretStr(generated.jwt_secret)
        if not settings.bootstrap_admin_password.get_secret_value():
            update["bootstrap_admin_password"] = SecretStr(generated.bootstrap_admin_password)
        log.info(
            "logins: the first admin's password is in %s; print it with `lookout-master "
            "credentials admin-password`",
            directory,
        )
    if settings.tls_self_signed:
        cert = bootstrap.ensure_certificate(
            directory,
            hosts=settings.tls_self_signed_hosts,
            validity_days=settings.tls_self_signed_days,
        )
        update |= {"tls_cert_file": cert.cert_file, "tls_key_file": cert.key_file}
        log.info(
            "gRPC TLS: self-signed by the CA in %s; agents need it: `lookout-master "
            "credentials ca`",
            cert.ca_file,
        )
    return settings.model_copy(update=update)


def _print_credential(settings: MasterSettings, which: str) -> int:
    directory = bootstrap.credentials_dir(settings.data_dir)
    if which == "api-token":
        sys.stderr.write(
            "no API token is generated: log in as admin (`credentials admin-password`) and "
            "create API tokens (POST /api/v1/tokens); the break-glass MASTER_API_TOKEN is off "
            "unless you set it\n"
        )
        return 1
    if which == "admin-password":
        if not settings.generate_secrets or settings.bootstrap_admin_password.get_secret_value():
            sys.stderr.write(
                "this master's first admin password is MASTER_BOOTSTRAP_ADMIN_PASSWORD, not a "
                "generated one\n"
            )
            return 1
        sys.stdout.write(bootstrap.ensure_secrets(directory).bootstrap_admin_password + "\n")
        return 0
    if not settings.tls_self_signed:
        sys.stderr.write(
            "this master serves the certificate in MASTER_TLS_CERT_FILE; agents need the CA "
            "that issued it, not a generated one\n"
        )
        return 1
    cert = bootstrap.ensure_certificate(
        directory, hosts=settings.tls_self_signed_hosts, validity_days=settings.tls_self_signed_days
    )
    sys.stdout.write(cert.ca_file.read_text())
    return 0


async def _cluster_command(settings: MasterSettings, *, action: str, name: str | None) -> int:
    from master.app import open_store
    from master.store.errors import ClusterExists, UnknownCluster

    store = await open_store(settings)
    try:
        if action == "list":
            rows = await store.clusters.list()
            for row in rows:
                state = "revoked" if row.revoked_ms is not None else "active"
                sys.stdout.write(f"{row.name}\t{state}\ttoken {row.token_id}\n")
            if not rows:
                sys.stdout.write("no clusters registered\n")
            return 0
        assert name is not None
        if action == "revoke":
            try:
                await store.clusters.revoke(name, now_ms())
            except UnknownCluster:
                sys.stderr.write(f"unknown cluster {name!r}\n")
                return 1
            sys.stdout.write(
                f"revoked the agent token of {name}; a running master ends its live session "
                "within a second\n"
            )
            return 0
        issued = tokens.issue()
        if action == "add":
            try:
                await store.clusters.add(
                    name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=now_ms()
                )
            except ClusterExists:
                sys.stderr.write(f"cluster {name!r} exists; use `cluster rotate {name}`\n")
                return 1
        else:
            if await store.clusters.get(name) is None:
                sys.stderr.write(f"unknown cluster {name!r}\n")
                return 1
            await store.clusters.set_token(
                name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=now_ms()
            )
        sys.stdout.write(issued.token + "\n")
        sys.stderr.write(
            f"agent token for {name} printed above; it is shown only once "
            "(set it as AGENT_TOKEN or in the agent chart's token Secret)\n"
        )
        if action == "rotate":
            sys.stderr.write(
                "the old token stops working now: a running master ends the session that "
                "used it within a second\n"
            )
        return 0
    finally:
        await store.close()


async def _audit_command(settings: MasterSettings, *, action: str, fmt: str) -> int:
    from master.app import open_store
    from master.audit import commands

    store = await open_store(settings)
    try:
        if action == "verify":
            return await commands.verify(store.audit, sys.stdout)
        return await commands.export(
            store.audit, "csv" if fmt == "csv" else "jsonl", sys.stdout.buffer
        )
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = MasterSettings()
    except ValidationError as e:
        sys.stderr.write(f"lookout-master: invalid settings:\n{e}\n")
        return 2
    logs.configure(settings.log_level, settings.log_format)
    try:
        if args.command == "cluster":
            return run_loop(
                _cluster_command(settings, action=args.action, name=getattr(args, "name", None))
            )
        if args.command == "user":
            return run_loop(people_cli.run(settings, args))
        if args.command == "audit":
            return run_loop(
                _audit_command(settings, action=args.action, fmt=getattr(args, "format", ""))
            )
        if args.command == "credentials":
            return _print_credential(settings, args.which)
        return run_loop(_serve(with_credentials(settings)))
    except LookoutError as e:
        sys.stderr.write(f"lookout-master: {e}\n")
        return 1


async def _serve(settings: MasterSettings) -> int:
    from master.app import run

    await run_until_signalled(lambda stop: run(settings, stop))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
