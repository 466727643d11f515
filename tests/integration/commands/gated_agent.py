"""``python -m tests.integration.commands.gated_agent``: the real ``lookout-agent`` entry point
with one seam bent: ``scale`` notes each run in the file ``$LOOKOUT_TEST_RUNS`` and then holds the
whole process (a blocking sleep, so nothing more leaves it: the master still shows the command as
``sent``) until the test kills it. Everything else (settings, spool, journal, uplink, executor)
is the product as deployed."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from agent.__main__ import main
from agent.executor import registry
from agent.executor.context import Ctx

RUNS = Path(os.environ["LOOKOUT_TEST_RUNS"])


async def held_scale(ctx: Ctx) -> dict[str, Any]:
    with RUNS.open("a") as fh:  # noqa: ASYNC230 -- on disk before the kill can land
        fh.write(f"{ctx.target}\n")
        fh.flush()
        os.fsync(fh.fileno())
    time.sleep(600)  # noqa: ASYNC251 -- blocking on purpose: nothing more leaves the process
    return {}


registry.COMMANDS["scale"] = dataclasses.replace(registry.COMMANDS["scale"], run=held_scale)

if __name__ == "__main__":
    raise SystemExit(main([]))
