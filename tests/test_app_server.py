"""The app started as a user starts it is local and quiet: it listens on loopback only and reaches nothing outside.

The app as `./dev run` starts it (`python -m geo.app.serve`: `streamlit run app.py`, warming up beside
it) with no options but a port (the settings come from .streamlit/config.toml), under `strace`, opened once in
headless Chromium so that the whole app runs.  Then: every listening socket on
its port is bound to 127.0.0.1, the machine's other addresses refuse the
port, and no process of the app tried to connect or send to an address off
this machine, or to any DNS server.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from geo import ingest
from tests.app_server import running_app
from tests.browser import offline_page
from tests.helpers import ROOT

# connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) and the AF_INET6 form
_ADDRESS = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


def _listening(port: int) -> list[str]:
    """The local addresses of every socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                raw = bytes.fromhex(address)
                # /proc writes each 32-bit word in host (little-endian) order
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.append(str(ipaddress.ip_address(words if size == 16 else raw[::-1])))
    return found


def _own_addresses() -> list[str]:
    """This machine's addresses that are not loopback (IPv4 from /proc/net/fib_trie, IPv6 from /proc/net/if_inet6)."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    v4 = {lines[i].split()[-1] for i in range(len(lines) - 1) if "|--" in lines[i] and "/32 host LOCAL" in lines[i + 1]}
    v6 = set()
    if Path("/proc/net/if_inet6").exists():
        v6 = {str(ipaddress.ip_address(bytes.fromhex(line.split()[0]))) for line in Path("/proc/net/if_inet6").read_text().splitlines()}
    return sorted(a for a in v4 | v6 if not ipaddress.ip_address(a).is_loopback and not ipaddress.ip_address(a).is_link_local)


def _outside_attempts(trace: str) -> list[str]:
    """The traced connect/sendto/sendmsg calls to an address off this machine, or to port 53 (DNS) anywhere."""
    attempts = []
    for line in trace.splitlines():
        for port, v4, v6 in _ADDRESS.findall(line):
            address = ipaddress.ip_address(v4 or v6)
            if not address.is_loopback and not address.is_unspecified or int(port) == 53:
                attempts.append(line.strip())
    return attempts


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """The app under strace as a user starts it; yields (url, port, trace path, log path) and stops it after the module."""
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (./dev installs it)")
    folder = tmp_path_factory.mktemp("quiet")
    store = folder / "events.gpkg"
    ingest.add_shipped_events(ingest.open_store(store))
    trace, log = folder / "strace.txt", folder / "streamlit.log"
    strace = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
    # the settings from .streamlit/config.toml only; HOME: no ~/.streamlit of the user's
    with running_app(store, log, options=(), wrapper=strace, env={"HOME": str(folder)}, seconds=120) as (port, _):
        yield f"http://localhost:{port}", port, trace, log


@pytest.fixture(scope="module")
def opened(started, chromium):
    """The app opened once in Chromium, so that its script runs in full (events loaded, map drawn)."""
    url, *_ = started
    with offline_page(chromium, width=1400, height=1000) as page:
        page.page.goto(url, wait_until="domcontentloaded")
        page.page.get_by_text("15 of 15 events; 7 unmapped, 7 context").wait_for(timeout=90_000)
        assert page.blocked == []
    return started


def test_the_app_listens_on_loopback_only(opened):
    _, port, _, _ = opened
    assert _listening(port) == ["127.0.0.1"]
    for address in _own_addresses():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=5).close()


def test_the_app_tries_no_address_off_this_machine(opened):
    _, port, trace, log = opened
    text = trace.read_text(errors="replace")
    assert "sendto(" in text  # the trace saw the process at work (its replies to the health checks)
    assert _outside_attempts(text) == []
    printed = log.read_text(errors="replace")
    assert "External URL" not in printed and "Network URL" not in printed and "external IP" not in printed
    assert "Collecting usage statistics" not in printed and f"URL: http://localhost:{port}" in printed


def test_the_trace_reading_would_catch_an_outside_connection():
    lines = ['123 connect(5, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("52.2.3.4")}, 16) = -1 ENETUNREACH',
             '124 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0',
             '125 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
             'inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28) = -1',
             '126 connect(8, {sa_family=AF_INET, sin_port=htons(8501), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
             '127 connect(9, {sa_family=AF_UNIX, sun_path="/run/nscd/socket"}, 110) = -1 ENOENT']
    assert [line.split()[0] for line in _outside_attempts("\n".join(lines))] == ["123", "124", "125"]


def test_the_launcher_makes_what_a_first_map_reads_before_any_page_asks():
    """``geo.app.serve.warm`` (run beside the server) leaves the basemap's layer tables (their cache files open) and the
    shipped topology in the process, for the first run of app.py to find."""
    script = ("from geo import basemap\nfrom geo.app import serve\nfrom geo.webmap import component\n"
              "made = lambda: [int('_arrays' in kept.__dict__) for kept, _ in basemap._LAYER_TABLES.values()]"
              " + [component._topology.cache_info().currsize]\n"
              "before = made()\nserve.warm()\nprint(before, made())")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    before, after = run.stdout.strip().split("] [")
    assert set(before.strip("[]").split(", ")) == {"0"} and set(after.strip("[]").split(", ")) == {"1"}


WARMED_STORE = """
from geo import frame
from geo.app import cached, serve
serve.warm()
stamp = cached.stamp()
store = cached.store_at(stamp[0])
store.load = None  # a page's run must find the events loaded: loading them again would fail here
events = cached.load_events(*stamp)
names = cached.map_payload(*stamp)
frame._search_text = None  # nor may the first text search make the search text again
written = all((cached.map_folder() / name).is_file() for name in names)
print(len(events), written, frame.search_text(events).str.contains("gujranwala").sum())
"""


def test_the_launcher_loads_the_stores_events_and_writes_their_map_before_any_page_asks(tmp_path):
    """``geo.app.serve.warm`` loads the store's events, writes the map's payload into the caches the app reads
    (``geo.app.cached``) and makes the search text: the first run of app.py finds them, and makes nothing again."""
    store = tmp_path / "events.gpkg"
    ingest.add_shipped_events(ingest.open_store(store))
    run = subprocess.run([sys.executable, "-c", WARMED_STORE], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "INCIDENT_MAP_STORE": str(store)})
    assert run.returncode == 0, run.stderr
    count, written, found = run.stdout.split()
    assert (count, written) == (str(len(ingest.load_file())), "True") and int(found) >= 1  # the shipped events name Gujranwala


@pytest.mark.parametrize(("app_url", "address", "expected"), [
    ("http://localhost:8501/", "127.0.0.1", "http://127.0.0.1:8501/component/app.incident_map/index.html"),
    ("http://127.0.0.1:8501", "127.0.0.1", "http://localhost:8501/component/app.incident_map/index.html"),
    ("https://localhost:9000/maps", "", "https://127.0.0.1:9000/maps/component/app.incident_map/index.html"),
    ("http://127.0.0.1/maps/", "0.0.0.0", "http://localhost/maps/component/app.incident_map/index.html"),
    ("http://analyst-laptop.local:8501/", "0.0.0.0", None),  # shared on a network: the page stays beside the app
    ("http://192.168.1.20:8501/", "0.0.0.0", None),
    ("http://localhost:8501/", "::1", None),  # listening on IPv6 loopback alone: 127.0.0.1 would not answer
    (None, "127.0.0.1", None),  # no browser (AppTest)
])
def test_the_map_page_is_served_under_the_machines_other_name_only_where_that_name_answers(app_url, address, expected):
    from geo.webmap import component

    assert component.page_url_apart(app_url, "app.incident_map", address) == expected
