"""Leader election's errors::

    LookoutError (shared.errors)
    └── AgentError (agent.errors)
        └── LeaderError            -- leader election cannot go on
            └── LeadershipLost     -- the lease was taken over or could not be renewed in time;
                                      the agent stops streaming and exits non-zero, so the
                                      kubelet restarts it as a follower

API failures while standing by are not errors: a follower logs them and keeps looking.
"""

from __future__ import annotations

from agent.errors import AgentError


class LeaderError(AgentError):
    """Leader election cannot go on."""


class LeadershipLost(LeaderError):
    """This agent no longer holds (or can no longer prove it holds) the lease."""
