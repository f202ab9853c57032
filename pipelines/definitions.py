"""Dagster definitions: `dagster dev -w workspace.yaml` loads `defs` from here.

The config is read from SOCIALKPI_CONFIG (default ./socialkpi.yaml). Loading is cheap: no
network, no warehouse access at import time.
"""

from __future__ import annotations

import gc

import dagster  # noqa: F401  # first, so that the freeze below covers its modules

# Dagster's ~100,000 module objects live as long as the process (code server, run worker). Frozen,
# the collector's full passes skip them: loading the definitions triggered one that walked them all
# (~0.1 s of the start-up), and every later one in a run did too (see also pipelines/runner.py).
gc.freeze()

from pipelines.build import build_definitions  # noqa: E402
from pipelines.config import config_path, load_config  # noqa: E402

defs = build_definitions(load_config(config_path()))
