"""Preferences (issue 16): ranked topics and facilitators, people to be grouped with or apart.

Placeholder: being built.
"""

__all__ = ["TopicPreference", "FacilitatorPreference", "PreferTogether", "PreferApart"]


class TopicPreference:
    """Placeholder: being built."""


class FacilitatorPreference:
    """Placeholder: being built."""


class PreferTogether:
    """Placeholder: being built."""


class PreferApart:
    """Placeholder: being built."""
