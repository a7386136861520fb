"""One exception type for every user-facing failure: its message is one line naming the file and problem."""

from __future__ import annotations


class XembodyError(Exception):
    """A problem with the user's input (a file, a name, an array), reported as one line."""

    def __init__(self, message: str):
        # Keep the message to one line whatever the underlying library printed.
        super().__init__(" ".join(str(message).split()))


class ObjectLost(XembodyError):
    """What the planner is given no longer shows the object (a camera sees too little of it): it ends a
    planning episode, as a failure, not the run."""
