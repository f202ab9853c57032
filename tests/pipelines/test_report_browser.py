"""The demo flash report in headless Chromium: renders fully offline, loads nothing, charts drawn,
scorecard values equal to the KPI tables (queried here independently).

SOCIALKPI_UPDATE_REPORT_PNG=1 copies the screenshot to docs/report.png (the README's picture).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from tests.pipelines.report_fixtures import build_demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium): "
                             "the flash report browser test needs it")
DOCS_PNG = Path(__file__).resolve().parents[2] / "docs" / "report.png"
WINDOW = "1280,3300"
# Chromium's own background calls (component updater, time, sign-in, and in Debian's current
# package a www.google.com connectivity probe) still go out with every flag below; a page's
# request is anything else.
BROWSER_SERVICE = re.compile(r"^(clients\d*\.google\.com|update\.googleapis\.com|accounts\.google\.com|"
                             r"www\.google\.com|[a-z0-9-]+\.gvt1\.com|safebrowsing\.googleapis\.com|"
                             r"optimizationguide-pa\.googleapis\.com|clientservices\.googleapis\.com)$")


def chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         f"--user-data-dir={profile}", "--hide-scrollbars", *extra, url],
        capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    config = build_demo(tmp_path_factory.mktemp("browser_demo"))
    assert main(["--config", str(config.source), "report", "--brand", "acme", "--period", "week"]) == 0
    return config, config.snapshot_path.parent / "reports" / "acme_week_2025-03-24.html"


def test_renders_offline_with_every_chart_and_the_kpi_table_values(demo, tmp_path):
    config, report = demo
    dom = chromium(tmp_path, report.as_uri(), "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom").stdout
    for section in ("scorecards", "trends", "platforms", "posts", "anomalies", "targets", "coverage"):
        assert f'id="{section}"' in dom, section
    svgs = re.findall(r"<svg\b.*?</svg>", dom, flags=re.S)
    assert len(svgs) == dom.count("<figure") >= 5  # 4+ trend charts and the platform comparison
    for svg in svgs:
        assert len(re.findall(r"<path\b[^>]*\sd=\"M", svg)) >= 5, svg[:200]
    cards = re.findall(r'<div class="card" data-kpi="(\w+)">.*?<div class="value" data-value="([^"]*)">([^<]*)</div>',
                       dom, flags=re.S)
    assert {kpi for kpi, _, _ in cards} >= {"followers", "impressions", "engagements", "engagement_rate", "ctr"}
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        for kpi, value, text in cards:
            expected, unit = con.execute(
                "SELECT w.value, c.unit FROM kpi.weekly w JOIN kpi.catalogue c USING (kpi) "
                "WHERE w.week_start = DATE '2025-03-24' AND w.brand_id = 'acme' AND w.platform = 'all' "
                "AND w.account_id = 'all' AND w.kpi = ?", [kpi]).fetchall()[0]
            assert float(value) == expected, kpi
            assert text == (f"{expected:,.2f} %" if unit == "percent" else f"{expected:,.0f}"), kpi
    assert "x-followers-q1" in dom and "off track" in dom


def _serve(port_holder: list, seen: list, stop: threading.Event) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port_holder.append(server.getsockname()[1])
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(1)
            data = b""
            try:
                while len(data) < 16384 and not data.endswith(b"\r\n\r\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            seen.append(_host_of(data))
    server.close()


def _host_of(data: bytes) -> str | None:
    """The Host header of a plain HTTP request, or the server name (SNI) of a TLS ClientHello."""
    match = re.search(rb"\r\nHost: ([^\r:]+)", data)
    if match:
        return match.group(1).decode("ascii", "replace")
    try:  # record(5) handshake(4) version(2) random(32) session id, ciphers, compression, extensions
        pos = 43
        pos += 1 + data[pos]
        pos += 2 + int.from_bytes(data[pos:pos + 2], "big")
        pos += 1 + data[pos]
        end = pos + 2 + int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        while pos + 4 <= min(end, len(data)):
            kind, size = int.from_bytes(data[pos:pos + 2], "big"), int.from_bytes(data[pos + 2:pos + 4], "big")
            if kind == 0:
                return data[pos + 9:pos + 4 + size].decode("ascii", "replace")
            pos += 4 + size
    except IndexError:
        pass
    return None if not data else "?"


def page_requests(tmp_path: Path, url: str, *extra: str) -> list[str]:
    """Every host the page connected to, with all names resolved to a local listener."""
    port, seen, stop = [], [], threading.Event()
    thread = threading.Thread(target=_serve, args=(port, seen, stop), daemon=True)
    thread.start()
    while not port:
        pass
    try:
        chromium(tmp_path, url, f"--host-resolver-rules=MAP * 127.0.0.1:{port[0]}", *extra)
    finally:
        stop.set()
        thread.join()
    return [host for host in seen if host is not None and not BROWSER_SERVICE.match(host)]


def test_loads_nothing_from_the_network(demo, tmp_path):
    _, report = demo
    # the harness sees a page's request ...
    probe = tmp_path / "probe.html"
    probe.write_text('<p>probe</p><img src="http://cdn.example.test/pixel.png">', encoding="utf-8")
    assert page_requests(tmp_path, probe.as_uri(), "--dump-dom") == ["cdn.example.test"]
    # ... and the report makes none, while rendering the screenshot
    png = tmp_path / "report.png"
    assert page_requests(tmp_path, report.as_uri(), f"--window-size={WINDOW}", f"--screenshot={png}") == []
    assert png.stat().st_size > 50_000
    if os.environ.get("SOCIALKPI_UPDATE_REPORT_PNG"):
        shutil.copy(png, DOCS_PNG)
