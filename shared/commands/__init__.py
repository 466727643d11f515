"""The command catalogue: the one list of commands the master may ask for and an agent may run.

    params     pydantic parameter models, validated by both ends (the master for a 422, the
               agent because a cluster does not trust the master)
    catalogue  CATALOGUE: name -> parameter model, target kinds, mutating, RBAC permissions

Adding a command = one row in ``catalogue.CATALOGUE`` (plus its params model here), one module
in ``agent/executor/commands/``, one row in ``agent.executor.registry``, and the chart's
``_rbac.tpl`` row when it needs verbs (``tests/deploy`` fails until the chart agrees).

Deliberately does not own the command value types and life cycle (``shared.domain.commands``),
their execution (``agent.executor``) or their tracking (``master.commands``)."""
