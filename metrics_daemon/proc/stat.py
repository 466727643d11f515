"""``/proc/stat``: cumulative CPU time per state, for the whole machine and per core.

Only the ``cpu``/``cpuN`` lines are read; interrupts, context switches and the rest are not
needed for a utilisation figure. Percentages come from deltas in ``metrics_daemon.rates``."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_daemon.errors import ProcFormatError


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Cumulative time in clock ticks (USER_HZ) per state since boot.

    ``guest``/``guest_nice`` are left out on purpose: the kernel already counts them inside
    ``user``/``nice``, so adding them would count guest time twice."""

    user: int = 0
    nice: int = 0
    system: int = 0
    idle: int = 0
    iowait: int = 0
    irq: int = 0
    softirq: int = 0
    steal: int = 0

    @property
    def total(self) -> int:
        return (
            self.user
            + self.nice
            + self.system
            + self.idle
            + self.iowait
            + self.irq
            + self.softirq
            + self.steal
        )

    @property
    def idle_all(self) -> int:
        """Idle including I/O wait: a CPU waiting on I/O is free to run other work."""
        return self.idle + self.iowait


@dataclass(frozen=True, slots=True)
class CpuStat:
    total: CpuTimes
    cores: tuple[tuple[int, CpuTimes], ...]  # (core index, times), sorted by index


_FIELDS = 8


def _times(columns: list[str]) -> CpuTimes:
    values = [int(c) for c in columns[:_FIELDS]]
    values += [0] * (_FIELDS - len(values))  # 2.6-era kernels have fewer columns
    return CpuTimes(*values)


def parse_stat(text: str) -> CpuStat:
    total: CpuTimes | None = None
    cores: list[tuple[int, CpuTimes]] = []
    for line in text.splitlines():
        if not line.startswith("cpu"):
            continue
        name, *columns = line.split()
        try:
            times = _times(columns)
        except ValueError as e:
            raise ProcFormatError(f"/proc/stat: bad cpu line {line!r}") from e
        if name == "cpu":
            total = times
        elif name[3:].isdigit():
            cores.append((int(name[3:]), times))
    if total is None:
        raise ProcFormatError("/proc/stat: no aggregate 'cpu' line")
    cores.sort(key=lambda c: c[0])
    return CpuStat(total=total, cores=tuple(cores))
