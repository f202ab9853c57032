"""Dagster definitions: `dagster dev -w workspace.yaml` loads `defs` from here.

The config is read from SOCIALKPI_CONFIG (default ./socialkpi.yaml). Loading is cheap: no
network, no warehouse access at import time.
"""

from __future__ import annotations

from pipelines.build import build_definitions
from pipelines.config import config_path, load_config

defs = build_definitions(load_config(config_path()))
