"""Peer groups: self-managed groups, everybody placed, sizes within bounds, terms optimised."""

from .spec import PeerGroups

__all__ = ["PeerGroups"]
