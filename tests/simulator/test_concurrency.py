"""Many clients at once: the threaded server and the locked store hold up."""

import time
from concurrent.futures import ThreadPoolExecutor

from .helpers import (
    get_seller_information,
    marketplace_token,
    octopia_get,
    octopia_token,
)


def test_concurrent_tokens_and_probes(simulator):
    def octopia_round(_):
        return octopia_get(simulator, "/sellers", octopia_token(simulator)).status_code

    def marketplace_round(_):
        return get_seller_information(simulator, marketplace_token(simulator)).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        octopia = list(pool.map(octopia_round, range(40)))
        marketplace = list(pool.map(marketplace_round, range(40)))

    assert octopia == [200] * 40
    assert marketplace == [200] * 40
    assert len(simulator.state.requests) == 160


def test_a_slow_request_does_not_hold_up_the_others(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("latency", seconds=1.5, path_contains="/sellers")

    with ThreadPoolExecutor(max_workers=4) as pool:
        slow = pool.submit(octopia_get, simulator, "/sellers", token)
        time.sleep(0.1)
        started = time.monotonic()
        fast = [octopia_token(simulator) for _ in range(5)]
        elapsed = time.monotonic() - started

        assert len(set(fast)) == 5
        assert elapsed < 1.0
        assert slow.result().status_code == 200


def test_a_counted_fault_is_consumed_exactly_count_times_under_load(simulator):
    token = octopia_token(simulator)
    simulator.state.inject_fault("server_error", count=7)

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(lambda _: octopia_get(simulator, "/sellers", token).status_code, range(30))
        )

    assert statuses.count(500) == 7
    assert statuses.count(200) == 23
