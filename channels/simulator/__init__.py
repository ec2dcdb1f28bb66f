"""A local Cdiscount server implementing
docs/cdiscount-api.md on its own, for development and tests.

It shares no code with the client (`channels.cdiscount`) and imports nothing from Django, so a
protocol mistake in the client fails against it instead of being mirrored.
"""

from .server import SimulatorServer
from .state import DEMO_MARKETPLACE, DEMO_OCTOPIA, SimulatorState

__all__ = ["DEMO_MARKETPLACE", "DEMO_OCTOPIA", "SimulatorServer", "SimulatorState"]
