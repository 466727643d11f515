"""Wire errors.

WireError  -- a message that decodes but makes no sense (missing identity, unknown enum).
"""


class WireError(ValueError):
    """A well-formed protobuf message whose content is invalid."""
