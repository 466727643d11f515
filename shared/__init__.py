"""Pure library code shared by every Lookout process.

Owns: the generated wire code (``shared.pb``), domain types (``shared.domain``), the one
model <-> protobuf conversion (``shared.wire``), the kind table (``shared.kinds``), the command
catalogue and its parameter models (``shared.commands``), settings base, logging, lifecycle,
retry and the exception tree. Deliberately owns no process, reads no environment and imports
no app package.
"""
