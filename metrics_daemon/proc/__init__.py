"""Pure parsers for the kernel's text files: one module per file, text in, frozen dataclasses out.

    stat.py       /proc/stat            cumulative CPU ticks, total and per core
    loadavg.py    /proc/loadavg         1/5/15 minute load
    meminfo.py    /proc/meminfo         memory and swap gauges
    diskstats.py  /proc/diskstats       block device I/O counters, whole-disk selection
    mountinfo.py  /proc/<pid>/mountinfo mounted filesystems, pseudo/network ones filtered
    netdev.py     /proc/net/dev         interface counters, virtual interfaces filtered
    uptime.py     /proc/uptime          seconds since boot
    thermal.py    /sys/class/thermal    picking the CPU's zone among the thermal zones

Nothing here opens a file, reads a clock or computes a rate: readers live in
``metrics_daemon.reading`` and deltas in ``metrics_daemon.rates``. Parsers tolerate the column
differences between kernel versions (missing trailing fields read as 0) and raise
``ProcFormatError`` only when a file is unusable as a whole."""
