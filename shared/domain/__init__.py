"""Domain types: frozen, slotted dataclasses that every process works with past the wire."""
