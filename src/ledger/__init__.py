"""ledger: an event-sourced, hash-chained record of audit recommendations, actions and
committee resolutions, on two clocks (effective date and recorded time)."""

__version__ = "0.1.0"
