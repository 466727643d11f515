"""``lookout-master user add|list|disable|enable|set-role|reset-password``: managing people on
the master host, for the first admin of a master without logins yet, for a locked-out admin,
and for scripts. The same rules as the users API: password rules, the last-admin guard,
sessions ended by a change, every change audited (actor ``cli``).

Passwords come from stdin (one line) or a prompt, never from argv: argv is visible to every
user of the host in ``ps`` and lands in shell history."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from master.auth.passwords import hash_password, password_problems
from master.auth.roles import Role
from master.settings import MasterSettings
from master.store import Store
from master.store.errors import UserExists
from shared.clock import now_ms

ACTOR = "cli"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="manage dashboard users")
    usub = user.add_subparsers(dest="action", required=True)
    add = usub.add_parser("add", help="create a user (password from stdin or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", choices=["viewer", "operator", "admin", ""], default="viewer")
    usub.add_parser("list", help="list users")
    for action, text in (
        ("disable", "refuse the user's logins and end their sessions"),
        ("enable", "allow the user to log in again"),
        ("reset-password", "set a new password (stdin or a prompt); ends their sessions"),
    ):
        usub.add_parser(action, help=text).add_argument("name")
    role = usub.add_parser("set-role", help="change the user's global role")
    role.add_argument("name")
    role.add_argument("role", choices=["viewer", "operator", "admin", ""])


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("lookout-master: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _checked(name: str, password: str) -> str | None:
    if problems := password_problems(name, password):
        sys.stderr.write(f"lookout-master: the password {', '.join(problems)}\n")
        return None
    return password


async def _last_admin(store: Store, name: str) -> bool:
    admins = [u for u in await store.users.list() if u.role == Role.ADMIN.label and not u.disabled]
    return [u.username for u in admins] == [name]


async def _audit(store: Store, action: str, target: str, **detail: object) -> None:
    await store.audit.append(
        at_ms=now_ms(), actor=ACTOR, action=action, target=target, detail=detail
    )


async def run(settings: MasterSettings, args: argparse.Namespace) -> int:
    from master.app import open_store

    store = await open_store(settings)
    try:
        return await _run(store, args)
    finally:
        await store.close()


async def _run(store: Store, args: argparse.Namespace) -> int:
    action = args.action
    if action == "list":
        for u in await store.users.list():
            state = "disabled" if u.disabled else "active"
            sys.stdout.write(f"{u.username}\t{u.role or '-'}\t{state}\n")
        return 0
    name: str = args.name
    if action == "add":
        password = _checked(name, _read_password(name))
        if password is None:
            return 1
        digest = await asyncio.to_thread(hash_password, password)
        try:
            await store.users.add(name, password_hash=digest, role=args.role, now_ms=now_ms())
        except UserExists:
            sys.stderr.write(f"lookout-master: a user named {name!r} exists\n")
            return 1
        await _audit(store, "user.create", name, role=args.role)
        sys.stdout.write(f"created {name} ({args.role or 'no global role'})\n")
        return 0
    user = await store.users.get(name)
    if user is None:
        sys.stderr.write(f"lookout-master: no user named {name!r}\n")
        return 1
    losing_admin = user.role == Role.ADMIN.label and (
        action == "disable" or (action == "set-role" and args.role != Role.ADMIN.label)
    )
    if losing_admin and await _last_admin(store, name):
        sys.stderr.write(f"lookout-master: {name} is the last active admin; make another first\n")
        return 1
    if action == "reset-password":
        password = _checked(name, _read_password(name))
        if password is None:
            return 1
        digest = await asyncio.to_thread(hash_password, password)
        await store.users.update(name, password_hash=digest, must_change=False)
        detail: dict[str, object] = {"password": "reset"}
    elif action == "set-role":
        await store.users.update(name, role=args.role)
        detail = {"role": args.role}
    else:
        await store.users.update(name, disabled=action == "disable")
        detail = {"disabled": action == "disable"}
    await store.sessions.revoke_user(name, now_ms())
    await _audit(store, "user.change", name, **detail)
    sys.stdout.write(f"{action}: {name} done; their sessions ended\n")
    return 0
