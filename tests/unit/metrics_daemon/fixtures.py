"""Paths of the captured and hand-written /proc and /sys trees (tests/fixtures/proc)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "proc"
MACHINES = ("firecracker-vm-6.18", "raspberry-pi-4", "kvm-k8s-node", "nvme-server")


def proc_file(machine: str, name: str) -> str:
    return (ROOT / machine / "proc" / name).read_text()
