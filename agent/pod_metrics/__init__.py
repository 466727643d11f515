"""② Pod metrics: the agent's reader of ``metrics.k8s.io`` (metrics-server), the raw material
of the pod and workload CPU/memory charts (issue 19).

* ``reading`` -- pure: a PodMetrics / NodeMetrics list (JSON) → ``PodUsage`` / ``NodeUsage``.
* ``settings`` -- ``AGENT_POD_METRICS__*``: on/off, interval, how often to look again for an
  absent or forbidden API.
* ``running`` -- the task ``app.py`` starts: one list of each per interval through
  ``agent.kubeapi``, one ``PodMetricsBatch`` journal record into the outbox.

It deliberately does not attach requests, limits or restarts: the master reads those from the
pods it mirrors (``master.processor.podspecs``)."""
