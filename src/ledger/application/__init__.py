"""The application: the Ledger's commands, the unit of work, and the use cases built on them."""

from ledger.application.core import DEFAULT_URL
from ledger.application.ledger import Ledger
from ledger.application.unit_of_work import system_clock

__all__ = ["DEFAULT_URL", "Ledger", "system_clock"]
