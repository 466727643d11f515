"""``lookout-agent``: watch this cluster and stream to the master (settings: AGENT_* env)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from agent.settings import AgentSettings
from shared import logs
from shared.errors import LookoutError
from shared.lifecycle import run_loop, run_until_signalled


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="lookout-agent",
        description="Lookout agent: watches one Kubernetes cluster, detects problems, streams "
        "state and findings to the master, executes the commands its policy allows.",
        epilog="Settings come from AGENT_* environment variables (see README).",
    ).parse_args(argv)
    try:
        settings = AgentSettings()  # required fields come from the environment
    except ValidationError as e:
        sys.stderr.write(f"lookout-agent: invalid settings:\n{e}\n")
        return 2
    logs.configure(settings.log_level, settings.log_format)
    try:
        return run_loop(_serve(settings))
    except LookoutError as e:
        sys.stderr.write(f"lookout-agent: {e}\n")
        return 1


async def _serve(settings: AgentSettings) -> int:
    from agent.app import run

    await run_until_signalled(lambda stop: run(settings, stop))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
