"""Lease-based leader election: with several agent replicas, only the holder of one
``coordination.k8s.io`` Lease streams to the master.

``settings`` (the knobs), ``lease`` (the pure core: observed Lease + my clock -> decision and
body), ``election`` (the shell: the Lease API calls, standing by, renewing, releasing, and
``lead``, which runs the agent's work only while leading). Uses only the verbs the chart's Role
grants: ``create`` on leases, ``get`` and ``update`` on the named one.
"""
