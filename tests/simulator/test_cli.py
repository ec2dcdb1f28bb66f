"""Running the simulator in the foreground: `python -m channels.simulator` and the management
command print the URLs and demo credentials, serve, and stop cleanly on Ctrl-C."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def start(args: list[str], env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = []
    for line in process.stdout:
        banner.append(line)
        if "Press Ctrl-C" in line:
            break
    else:
        process.kill()
        pytest.fail("no banner:\n" + "".join(banner) + process.stderr.read())
    return process, "".join(banner)


def stop(process: subprocess.Popen, signal_number: int = signal.SIGINT) -> str:
    process.send_signal(signal_number)
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    return out


def banner_urls(banner: str) -> dict[str, str]:
    return dict(re.findall(r"(CDISCOUNT_\w+_URL)=(\S+)", banner))


def demo_octopia_token(urls: dict[str, str]) -> dict:
    """The token answer for the demo Octopia credentials the banner shows."""
    return requests.post(
        urls["CDISCOUNT_AUTH_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client",
            "client_secret": "demo-secret",
        },
        timeout=5,
    ).json()


def check_banner_and_serve(banner: str, expected_lifetime: int) -> None:
    urls = banner_urls(banner)
    assert set(urls) == {
        "CDISCOUNT_AUTH_URL",
        "CDISCOUNT_API_URL",
        "CDISCOUNT_STS_URL",
        "CDISCOUNT_SOAP_URL",
    }
    for credential in ("demo-client", "demo-secret", "98979", "demo-api", "demo-password"):
        assert credential in banner
    assert demo_octopia_token(urls)["expires_in"] == expected_lifetime
    sts = requests.get(
        urls["CDISCOUNT_STS_URL"],
        params={"realm": urls["CDISCOUNT_SOAP_URL"]},
        auth=("demo-api", "demo-password"),
        timeout=5,
    )
    assert sts.status_code == 200


def check_demo_orders(banner: str, autopilot: bool) -> None:
    urls = banner_urls(banner)
    base = urls["CDISCOUNT_SOAP_URL"].removesuffix("/MarketplaceAPIService.svc")
    assert "Demo orders: 36 Octopia, 36 Marketplace" in banner
    status = requests.get(f"{base}/_simulator/", timeout=5).json()
    assert status["autopilot"] is autopilot
    for api, seller in (("octopia", "98979"), ("marketplace", "demo-api")):
        orders = requests.get(
            f"{base}/_simulator/orders", params={"api": api, "seller": seller}, timeout=5
        ).json()["orders"]
        assert len(orders) >= 36
        assert len({order["status"] for order in orders}) >= 5
    token = demo_octopia_token(urls)["access_token"]
    listed = requests.get(
        urls["CDISCOUNT_API_URL"] + "/orders",
        params={"pageSize": 100},
        headers={"Authorization": f"Bearer {token}", "SellerId": "98979"},
        timeout=5,
    ).json()["items"]
    assert len(listed) >= 36


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_python_dash_m_runs_without_django(signal_number):
    process, banner = start(["-m", "channels.simulator", "--port", "0"])
    try:
        check_banner_and_serve(banner, 7200)
        check_demo_orders(banner, autopilot=True)
    finally:
        out = stop(process, signal_number)
    assert "Stopping" in out


def test_no_autopilot_option():
    process, banner = start(["-m", "channels.simulator", "--port", "0", "--no-autopilot"])
    try:
        check_demo_orders(banner, autopilot=False)
        assert "autopilot off" in banner
    finally:
        stop(process)


def test_management_command():
    process, banner = start(
        ["manage.py", "cdiscount_simulator", "--port", "0", "--token-lifetime", "60"],
        {"DJANGO_SETTINGS_MODULE": "cdiscount_integration.settings_test"},
    )
    try:
        check_banner_and_serve(banner, 60)
        check_demo_orders(banner, autopilot=True)
    finally:
        out = stop(process)
    assert "Stopping" in out


def test_simulator_package_imports_neither_django_nor_the_client():
    code = (
        "import sys, channels.simulator, channels.simulator.cli;"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith(('django.', "
        "'channels.cdiscount'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
