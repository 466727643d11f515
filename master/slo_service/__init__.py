"""⑦ The SLO service: the shell around the pure SLO maths (``master.slo``).

It reads the SLO definitions file, keeps the store's per-minute counts current from the
ingress samples the agents send (``Store.slo_counts.refresh``), evaluates the burn-rate rules
every ``evaluate_s`` from the store's window sums and hands the signals to the alert service
through a port, and answers the gateway's questions (list, detail, series, reports).

* ``config`` -- the definitions YAML -> ``Slo`` values, errors naming file, line and field.
* ``settings`` -- ``MASTER_SLO__*``.
* ``status`` -- one SLO's current figures (SLI, budget, burn rates), pure over window sums.
* ``service`` -- the loop and the queries.
* ``rendering`` -- period reports as CSV and printable HTML.
"""
