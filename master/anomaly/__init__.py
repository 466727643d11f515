"""Explainable anomaly baselines: pure functions from metric series (and ``now``) to
``Anomaly`` values that say why in plain words.

Modules, in data-flow order:

* ``series``: the ``Point``/``Series`` shape and window slicing;
* ``robust``: median, MAD, robust z-scores, the Theil-Sen trend and Kendall's tau;
* ``seasonal``: the hour-of-week profile (once 7 days of data exist) and EWMA;
* ``baselines``: "what is usual now" for a series — seasonal when it can be, rolling otherwise;
* ``explain``: units and phrases ("12 MiB/min", "~25 min", "Tuesday 14:00");
* ``detectors``: one function per anomaly people ask for, listed in ``DETECTORS``;
* ``signals``: an ``Anomaly`` (or its absence) as the alert core's ``AlertSignal``.

Deliberately not here: reading series from the store, the evaluation schedule, turning
signals into alerts (``master.alerts``), and any model that cannot say why it fired. Every
detector needs both a statistical signal (a robust z-score or trend strength) and a practical
one (a ratio, a time to a limit), so a flat series with a tiny MAD cannot fire on noise."""
