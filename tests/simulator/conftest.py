from collections.abc import Iterator

import pytest

from channels.simulator import SimulatorServer

from .helpers import FileServer


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.stop()
