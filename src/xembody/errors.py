"""One exception type for every user-facing failure: its message is one line naming the file and problem."""

from __future__ import annotations


class XembodyError(Exception):
    """A problem with the user's input (a file, a name, an array), reported as one line."""

    def __init__(self, message: str):
        # Keep the message to one line whatever the underlying library printed.
        super().__init__(" ".join(str(message).split()))
