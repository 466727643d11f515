"""The command catalogue: the one list of commands the master may ask for and an agent may run.

    params     pydantic parameter models, validated by both ends (the master for a 422, the
               agent because a cluster does not trust the master)
    catalogue  CATALOGUE: name -> parameter model, target kinds, mutating, RBAC permissions
    targets    whether a target is a well-formed reference (kind, namespace, Kubernetes names),
               checked by the agent whatever the master sent

Adding a command = its params model in ``params`` and one row in ``catalogue.CATALOGUE``, one
module in ``agent/executor/commands/``, one row in ``agent.executor.registry.RUN``, and in the
agent chart its name (``values.yaml`` default, ``values.schema.json`` enum) and its ``_rbac.tpl``
row with the verbs it needs: the agent refuses to import, and ``tests/deploy`` fails, until
they all agree.

Deliberately does not own the command value types and life cycle (``shared.domain.commands``),
their execution (``agent.executor``) or their tracking (``master.commands``)."""
