"""`socialkpi status` names ownership conflicts and unconfigured folders; `socialkpi forget` undoes them."""

from __future__ import annotations

from pathlib import Path

from ingest.drop_folder import ingest_drop_folder
from pipelines.cli import main
from pipelines.resources import SocialKpi
from transforms.core import build_core

TWEETS = (Path(__file__).parent.parent / "transforms" / "fixtures"
          / "tweet_activity_metrics_acme_20161201_20170101_en.csv")
CONFIG = """\
timezone: "UTC"
start_date: "2016-12-01"
warehouse: "warehouse.duckdb"
analytics_snapshot: "analytics.duckdb"
exports_dir: "exports"
brands:
  - id: "acme"
    name: "Acme"
accounts:
  - platform: "x"
    account_id: "acme"
    brand: "acme"
"""


def _ingest(config_path: Path) -> None:
    resource = SocialKpi(config_path=str(config_path))
    with resource.warehouse() as con:
        ingest_drop_folder(con, resource.config.exports_path, resource.registry, {}, "UTC")
    with resource.warehouse() as con:  # accounts re-synced with what was landed
        build_core(con, resource.config.start_date, resource.config.start_date.replace(year=2017, month=1, day=2))


def test_status_names_conflicts_and_unconfigured_accounts_and_forget_undoes_them(tmp_path, capsys):
    config = tmp_path / "socialkpi.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    for folder, name, text in [("acme", TWEETS.name, TWEETS.read_text(encoding="utf-8")),
                               ("acmee", "later_20170102.csv",  # a typo in the folder name, later export
                                TWEETS.read_text(encoding="utf-8").replace('"250.0"', '"260.0"'))]:
        (tmp_path / "exports" / "x" / folder).mkdir(parents=True)
        (tmp_path / "exports" / "x" / folder / name).write_text(text, encoding="utf-8")
    _ingest(config)

    assert main(["--config", str(config), "status"]) == 0
    out = capsys.readouterr().out
    assert "acmee" in out and "(not in the config: out of rollups and reports until configured)" in out
    assert '  - {platform: "x", account_id: "acmee", brand: "acme"}   # 1 file(s)' in out
    assert "Conflicts (1):" in out
    assert ("x/acmee/later_20170102.csv carries 2 posts of x/acme (e.g. post 800000000000000001) under x/acmee"
            in out)

    assert main(["--config", str(config), "forget", "x/acmee"]) == 0
    out = capsys.readouterr().out
    assert "moved to _forgotten/x/acmee/later_20170102.csv" in out
    assert (tmp_path / "exports" / "_forgotten" / "x" / "acmee" / "later_20170102.csv").is_file()
    assert "rebuilding 2016-12-01 .. " in out
    assert main(["--config", str(config), "status"]) == 0
    out = capsys.readouterr().out
    assert "acmee" not in out and "Conflicts" not in out

    assert main(["--config", str(config), "forget", "--file", "x/acme/nothing.csv"]) == 1
    assert "x/acme/nothing.csv: no file was loaded from this path" in capsys.readouterr().err
