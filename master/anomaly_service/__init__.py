"""The anomaly service: the shell that runs the explainable baselines (``master.anomaly``) on
a schedule over what the store and the DataHub hold, and hands their signals to the alert
service through the same port the SLO service uses (``offer``), so statistical alerts take the
alerts' path (routes, grouping, silences, inhibition) labelled ``statistical="true"``.

Modules: ``settings`` (schedule, windows), ``pools`` (which nodes are peers), ``evaluation``
(pure: series and summaries in, signals out, and which of them changed), ``service`` (the loop).

Deliberately not here: the maths (``master.anomaly``), disk-full-soon on nodes (the node
thresholds of ``master.alerting.node_thresholds`` already raise it from the same trend: one
alert, not two), storage of series (``master.store``)."""
