"""Programmes over time (issue 16): feedback, health, next-round rules, rematch suggestions.

Placeholder: being built.
"""

__all__ = ["Feedback", "health", "suggest_rematch"]


class Feedback:
    """Placeholder: being built."""


def health(*args, **kwargs):
    raise NotImplementedError("health is being built")


def suggest_rematch(*args, **kwargs):
    raise NotImplementedError("suggest_rematch is being built")
