"""The one error type for bad scenario input."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Bad scenario input; ``str()`` is a list of one-line messages naming file and key path."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))
