from collections.abc import Iterator

import pytest

from channels.simulator import SimulatorServer


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()
