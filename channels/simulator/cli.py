"""Running the simulator in the foreground: shared by `python -m channels.simulator` and the
`cdiscount_simulator` management command."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable

from . import aftersale_marketplace
from .server import SimulatorServer
from .state import DEMO_MARKETPLACE, DEMO_OCTOPIA, MARKETPLACE, OCTOPIA, SimulatorState


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8100, help="port (0 picks a free one)")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=None,
        metavar="SECONDS",
        help="lifetime of new tokens of both APIs (default 7200 for Octopia, 172800 for SOAP)",
    )
    parser.add_argument(
        "--no-autopilot",
        dest="autopilot",
        action="store_false",
        help="no new orders arriving on their own (by default about 12 an hour per account)",
    )


def banner(server: SimulatorServer) -> str:
    lines = [f"Cdiscount simulator listening on {server.url}", ""]
    lines += [f"  {name}={url}" for name, url in server.urls.items()]
    lines += [
        "",
        "Demo account, Octopia Seller API v2:",
        f"  Username (client ID):     {DEMO_OCTOPIA['client_id']}",
        f"  Password (client secret): {DEMO_OCTOPIA['client_secret']}",
        f"  Seller ID:                {DEMO_OCTOPIA['seller_id']}",
        "Demo account, Marketplace API (SOAP):",
        f"  Username (API login):     {DEMO_MARKETPLACE['login']}",
        f"  Password:                 {DEMO_MARKETPLACE['password']}",
        "",
        _orders_line(server.state),
        f"Control endpoints: {server.url}/_simulator/",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _orders_line(state: SimulatorState) -> str:
    octopia = len(state.orders_for(OCTOPIA, DEMO_OCTOPIA["seller_id"]))
    marketplace = len(state.orders_for(MARKETPLACE, DEMO_MARKETPLACE["login"]))
    autopilot = (
        f"autopilot on: about {state.arrival_rate:g} new orders an hour per account"
        if state.autopilot
        else "autopilot off"
    )
    return f"Demo orders: {octopia} Octopia, {marketplace} Marketplace; {autopilot}."


def serve(
    *,
    host: str,
    port: int,
    token_lifetime: int | None = None,
    write: Callable[[str], object] = print,
    stop_event: threading.Event | None = None,
    autopilot: bool = True,
) -> None:
    """Serve until Ctrl-C (or `stop_event` is set), then shut down cleanly."""
    logger = logging.getLogger("channels.simulator")
    if not logger.hasHandlers():
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)

    state = SimulatorState.with_demo_data()
    # After the sale: some demo orders carry a customer's cancellation request, a claim or a
    # question, for the Messages page and the cancel/refund actions to show something.
    aftersale_marketplace.seed(state, DEMO_MARKETPLACE["login"], rate=0.15, seed_value=98979)
    state.autopilot = autopilot
    if token_lifetime is not None:
        state.token_lifetime_octopia = token_lifetime
        state.token_lifetime_marketplace = token_lifetime
    server = SimulatorServer(host=host, port=port, state=state).start()
    write(banner(server))
    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    try:
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        write("Stopping the Cdiscount simulator.")
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m channels.simulator", description="Run the local Cdiscount simulator."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    serve(
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        write=lambda text: print(text, flush=True),
        autopilot=args.autopilot,
    )
