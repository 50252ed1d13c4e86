"""Roles and what they may do: the vocabulary of keys, free of the web and database stacks.

The command line reads it to offer roles without importing the service.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a key may do; see :data:`PERMISSIONS`."""

    FORWARDER = "forwarder"
    DISPATCHER = "dispatcher"
    PLANNER = "planner"
    ADMIN = "admin"
    #: The organisation that runs the network: granted explicitly, never implied by admin.
    NETWORK_OPERATOR = "network_operator"


class Permission(StrEnum):
    """Capabilities that endpoints require."""

    READ_NETWORK = "network:read"
    QUOTE = "quotes:write"
    READ_QUOTES = "quotes:read"
    BOOK = "bookings:write"
    READ_BOOKINGS = "bookings:read"
    READ_SCENARIOS = "scenarios:read"
    EDIT_SCENARIOS = "scenarios:write"
    WEBHOOKS = "webhooks:write"
    DISRUPT = "disruptions:write"
    KEYS = "keys:write"
    RELOAD_NETWORK = "network:reload"
    #: Declare and close disruptions of the whole network (a customer's dispatcher declares
    #: them for its own bookings only).
    OPERATE_NETWORK = "network:operate"


#: What only the network operator may do: change the network everyone quotes on.
NETWORK_WIDE = frozenset({Permission.OPERATE_NETWORK, Permission.RELOAD_NETWORK})


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # listed, not "all but": a new permission is no forwarder's until given here
    Role.FORWARDER: frozenset(
        {
            Permission.READ_NETWORK,
            Permission.QUOTE,
            Permission.READ_QUOTES,
            Permission.BOOK,
            Permission.READ_BOOKINGS,
            Permission.READ_SCENARIOS,
            Permission.WEBHOOKS,
        }
    ),
    Role.DISPATCHER: frozenset(
        {
            Permission.READ_NETWORK,
            Permission.READ_QUOTES,
            Permission.BOOK,
            Permission.READ_BOOKINGS,
            Permission.WEBHOOKS,
            Permission.DISRUPT,
        }
    ),
    Role.PLANNER: frozenset(
        {
            Permission.READ_NETWORK,
            Permission.QUOTE,
            Permission.READ_QUOTES,
            Permission.READ_SCENARIOS,
            Permission.EDIT_SCENARIOS,
        }
    ),
    Role.ADMIN: frozenset(Permission) - NETWORK_WIDE,
    Role.NETWORK_OPERATOR: frozenset(
        {
            Permission.READ_NETWORK,
            Permission.READ_QUOTES,
            Permission.READ_BOOKINGS,
            Permission.WEBHOOKS,
            Permission.DISRUPT,
            *NETWORK_WIDE,
        }
    ),
}
