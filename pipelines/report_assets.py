"""The `flash_report` asset: the HTML flash report of the latest complete week of every brand."""

import dagster as dg

from pipelines.resources import SocialKpi

DUCKDB_POOL = "duckdb_writer"  # reads the warehouse while no other step writes it


def build_flash_report(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    """The flash_report asset; it reports the latest complete week whatever the run's range."""

    @dg.asset(group_name="publish", pool=DUCKDB_POOL, partitions_def=partitions,
              backfill_policy=dg.BackfillPolicy.single_run(),  # partitioned only to share the run (assets.py)
              deps=[dg.AssetKey("kpi_daily"), dg.AssetKey("kpi_baselines"), dg.AssetKey("kpi_target_progress")],
              description="Flash report (one self-contained HTML file) of the latest complete ISO week of each brand, "
                          "written to <snapshot folder>/reports/<brand>_week_<week start>.html.")
    def flash_report(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        # Imported here: the report needs jinja2 and matplotlib, which the definitions must not load.
        from pipelines.report import build_report, headline_markdown, report_file_name

        config = socialkpi.config
        folder = config.snapshot_path.parent / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        metadata: dict[str, dg.MetadataValue] = {}
        previews = []
        with socialkpi.warehouse() as con:  # the warehouse: kpi tables and raw.export_files (quarantined files)
            for brand in config.brands:
                built = build_report(con, brand.id, "week", brand_name=brand.name, currency=config.currency.reporting)
                if built is None:
                    context.log.warning(f"brand {brand.id}: no KPI rows yet, no report")
                    continue
                data, html = built
                path = folder / report_file_name(brand.id, data.period)
                tmp = path.with_suffix(".html.tmp")
                tmp.write_text(html, encoding="utf-8")
                tmp.replace(path)
                context.log.info(f"wrote {path}")
                metadata.setdefault("path", dg.MetadataValue.path(str(path)))
                metadata[f"path_{brand.id}"] = dg.MetadataValue.path(str(path))
                previews.append(headline_markdown(data))
        metadata["preview"] = dg.MetadataValue.md("\n\n".join(previews) or "no brand has KPI rows yet")
        return dg.MaterializeResult(metadata=metadata)

    return flash_report
