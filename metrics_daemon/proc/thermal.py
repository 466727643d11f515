"""``/sys/class/thermal/thermal_zone*/{type,temp}``: choosing the zone that is the CPU.

Zone types are driver names, not a standard, so the choice is a ranked table of the types that
are known to be the CPU package or die: ``x86_pkg_temp`` (Intel package sensor), ``cpu-thermal``
/ ``cpu_thermal`` (Raspberry Pi and most ARM boards), ``soc-thermal`` / ``soc_thermal`` / ``soc``
(SoCs where the sensor is on the die), then any type containing "cpu". ``acpitz`` is
deliberately not used: on many boards it is the chassis or the motherboard, and a wrong "CPU
temperature" is worse than none. Machines without a CPU zone (most VMs) report no temperature."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_RANKS: dict[str, int] = {
    "x86_pkg_temp": 0,
    "cpu-thermal": 1,
    "cpu_thermal": 1,
    "cpu": 2,
    "soc-thermal": 3,
    "soc_thermal": 3,
    "soc": 3,
}
_ANY_CPU_RANK = 4
_PLAUSIBLE_C = (-40.0, 150.0)  # outside this a zone is unwired or reports an error code


@dataclass(frozen=True, slots=True)
class Zone:
    type: str
    temp_c: float


def parse_zone(type_text: str, temp_text: str) -> Zone | None:
    """A zone from its two files; ``None`` when the temperature is unreadable or implausible."""
    try:
        temp_c = int(temp_text.strip()) / 1000.0  # millidegrees Celsius
    except ValueError:
        return None
    if not _PLAUSIBLE_C[0] <= temp_c <= _PLAUSIBLE_C[1]:
        return None
    return Zone(type=type_text.strip(), temp_c=temp_c)


def _rank(zone_type: str) -> int | None:
    rank = _RANKS.get(zone_type.lower())
    if rank is None and "cpu" in zone_type.lower():
        return _ANY_CPU_RANK
    return rank


def pick_cpu_temp(zones: Iterable[Zone]) -> float | None:
    """The hottest zone of the best-ranked CPU type (several cores may each have a zone)."""
    ranked = [(r, z.temp_c) for z in zones if (r := _rank(z.type)) is not None]
    if not ranked:
        return None
    best = min(r for r, _ in ranked)
    return max(t for r, t in ranked if r == best)
