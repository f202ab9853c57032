"""How long a fresh process takes to load the Dagster definitions (what `dagster dev`, every run
worker and every sensor tick pays): `import pipelines.definitions` with SOCIALKPI_CONFIG set.

Prints the median wall time of --runs fresh subprocesses that import the module and build `defs`,
and, measured the same way in the same run, a process that only imports dagster (the floor no
change in this project can go below) and the ratio of the two. Also asserts the import opens no
socket and no warehouse file (no network or heavy work at import time).

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from pipelines.demo import demo_config  # noqa: E402

TARGET_S = 2.0
TARGET_RATIO = 1.3  # issue 16: definitions within 1.3x of `import dagster`

# Runs in the child: time the import, refuse sockets, report what it built.
CHILD = """
import json, socket, sys, time
began = time.perf_counter()
def no_network(*args, **kwargs):
    raise RuntimeError("network access while loading the definitions")
socket.socket.connect = no_network
socket.create_connection = no_network
{body}
print(json.dumps({{"seconds": time.perf_counter() - began, **info}}))
"""
LOAD_DEFS = """
import pipelines.definitions as d
heavy = ("pandas", "numpy", "matplotlib", "jinja2", "openpyxl", "xlrd", "duckdb", "requests", "urllib3", "tenacity")
info = {"assets": len(list(d.defs.assets)), "modules": len(sys.modules),
        "heavy": [m for m in heavy if m in sys.modules]}
"""
DAGSTER_ONLY = """
import dagster
info = {"assets": 0, "modules": len(sys.modules)}
"""


def time_child(body: str, env: dict[str, str]) -> dict[str, float]:
    output = subprocess.run([sys.executable, "-c", CHILD.format(body=body)], check=True, capture_output=True,
                            text=True, env=env, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def run(runs: int, folder: Path) -> dict[str, object]:
    config = folder / "socialkpi.yaml"
    config.write_text(demo_config(), encoding="utf-8")
    # Both children read bytecode from one cache that the first run writes, as an installed code
    # location does: PYTHONDONTWRITEBYTECODE (set in some shells) would have our modules, and only
    # ours, compiled from source in every run.
    env = {**os.environ, "SOCIALKPI_CONFIG": str(config), "DAGSTER_HOME": str(folder / "dagster_home"),
           "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    time_child(LOAD_DEFS, env)  # warm the OS file cache and write the .pyc files once
    # alternated, so both see the same load on a shared machine
    loads, floors = [], []
    for _ in range(runs):
        loads.append(time_child(LOAD_DEFS, env))
        floors.append(time_child(DAGSTER_ONLY, env))
    warehouse_opened = (folder / "warehouse.duckdb").exists()
    figures: dict[str, object] = {
        "runs": runs, "load_s": statistics.median(x["seconds"] for x in loads),
        "dagster_s": statistics.median(x["seconds"] for x in floors),
        "assets": loads[-1]["assets"], "modules": loads[-1]["modules"], "dagster_modules": floors[-1]["modules"],
        "heavy_modules": loads[-1]["heavy"],
        "warehouse_opened": warehouse_opened,
    }
    figures["ratio"] = figures["load_s"] / figures["dagster_s"]
    return figures


def report(f: dict[str, object]) -> str:
    verdict = "met" if f["load_s"] <= TARGET_S else "NOT met"
    return "\n".join([
        f"startup: fresh `import pipelines.definitions` (demo config), median of {f['runs']} subprocesses",
        f"(a) definitions loaded in {f['load_s']:.2f} s ({f['assets']} assets, {f['modules']} modules); "
        f"target <= {TARGET_S:.0f} s: {verdict}",
        f"(b) `import dagster` alone: {f['dagster_s']:.2f} s ({f['dagster_modules']} modules); "
        f"ratio = {f['ratio']:.2f} (target <= {TARGET_RATIO}); no socket opened; warehouse opened at import: "
        f"{f['warehouse_opened']}; heavy modules imported: {', '.join(f['heavy_modules']) or 'none'}",
    ])


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="startup_") as folder:
        figures = run(args.runs, Path(folder))
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
