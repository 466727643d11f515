"""① Kubernetes API access for the whole agent: the only package that speaks HTTP to the API
server and the only one that imports the ``kubernetes`` package (for its configuration
loaders).

    transport.py  KubeAccess: configuration, TLS and auth, raw get / send / exchange / lines
    paths.py      REST paths from a ``shared.kinds.Kind`` row (collection, object, subresource)
    errors.py     the exception tree and the one Status -> exception mapping

Used by the sources (list and watch), the command executor's client and leader election.
Deliberately does not own which kinds exist (``shared.kinds``), what a caller does with the
objects, or retry policy.
"""
