"""The one place that opens the warehouse: a DuckDB file (the default) or a DuckLake.

A DuckDB file allows one writing process or many readers, never both. Writers wait a bounded time
for the lock and then fail with a message naming the holder; connections are short-lived and never
held across network calls. A DuckLake (catalog in PostgreSQL or a DuckDB/SQLite file, data as
Parquet under a data path) takes concurrent writers: commits are optimistic and DuckLake itself
retries a commit that lost a race but does not conflict (docs/scaling.md).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.schema import migrate

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

DUCKLAKE_PREFIX = "ducklake:"
LAKE_ALIAS = "warehouse"  # the attached lake's database name: current_database() in every query
# Extension name -> the PyPI package that ships its binary for one DuckDB release
# (<package>/extensions/v<duckdb version>/<name>.duckdb_extension).
EXTENSION_PACKAGES = {"ducklake": "duckdb_extension_ducklake", "postgres_scanner": "duckdb_extension_postgres_scanner",
                      "httpfs": "duckdb_extension_httpfs"}  # httpfs: only for an s3:// data path, not a dependency
# An s3:// data path: the secret DuckDB's httpfs signs requests with, from the standard AWS variables
# (AWS_ENDPOINT for S3-compatible stores such as MinIO, as host:port).
S3_SECRET_ENV = {"KEY_ID": "AWS_ACCESS_KEY_ID", "SECRET": "AWS_SECRET_ACCESS_KEY", "SESSION_TOKEN": "AWS_SESSION_TOKEN",
                 "REGION": "AWS_REGION", "ENDPOINT": "AWS_ENDPOINT"}


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file."""


class WarehouseMissingError(LookupError):
    """A read-only open of a DuckLake that no writer has created yet."""


class ExtensionMismatchError(RuntimeError):
    """An extension package is missing or was built for another DuckDB release than the running one."""


class WarehouseVersionError(RuntimeError):
    """The warehouse file was written in a storage format the running DuckDB cannot read."""


@dataclass(frozen=True)
class DuckLake:
    """A DuckLake warehouse: `catalog` is DuckLake's metadata connection string (after `ducklake:`,
    e.g. `postgres:dbname=socialkpi host=pg.internal`), `data_path` where the Parquet files go (a
    folder shared by every writer, or `s3://...`); DuckLake records it in the catalog when it creates
    the lake, so it is needed only then."""

    catalog: str
    data_path: str | None = None

    def __str__(self) -> str:
        return DUCKLAKE_PREFIX + self.catalog


Target = Path | str | DuckLake


def parse_target(value: Path | str, data_path: str | None = None) -> Path | DuckLake:
    """`ducklake:<catalog>` is a DuckLake, anything else the path of a DuckDB file."""
    text = str(value)
    if text.startswith(DUCKLAKE_PREFIX):
        catalog = text.removeprefix(DUCKLAKE_PREFIX).strip()
        if not catalog:
            raise ValueError(f"{text!r}: name the DuckLake catalog after 'ducklake:' "
                             "(e.g. ducklake:postgres:dbname=socialkpi host=127.0.0.1)")
        return DuckLake(catalog, data_path)
    return Path(value)


def extension_file(name: str) -> Path:
    """The extension binary shipped for the running DuckDB, or ExtensionMismatchError saying what to install."""
    import duckdb

    package = EXTENSION_PACKAGES[name]
    wanted = f"v{duckdb.__version__}"
    pip_name = package.replace("_", "-")
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ExtensionMismatchError(
            f"DuckLake needs the {name} extension: pip install '{pip_name}=={duckdb.__version__}'") from exc
    folder = Path(module.__file__).parent / "extensions"
    found = sorted(p.parent.name for p in folder.glob(f"*/{name}.duckdb_extension"))
    if wanted not in found:
        raise ExtensionMismatchError(
            f"{pip_name} ships the {name} extension for DuckDB {', '.join(found) or 'no release'}, but DuckDB "
            f"{duckdb.__version__} is running: install the matching pair (pyproject.toml pins them together)")
    return folder / wanted / f"{name}.duckdb_extension"


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a packaged extension by path: no download, and DuckDB's own check of the binary's
    version is turned into ExtensionMismatchError too."""
    import duckdb

    try:
        con.execute(f"LOAD {_literal(str(extension_file(name)))}")
    except duckdb.Error as exc:
        raise ExtensionMismatchError(
            f"cannot load the {name} extension into DuckDB {duckdb.__version__}: {exc}") from exc


@contextmanager
def connect(database: Target, *, read_only: bool = False, lock_timeout_s: float = 60.0,
            poll_s: float = 0.2, snapshot_version: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating and migrating it for writers), waiting for a held file lock.

    Raises WarehouseLockedError after `lock_timeout_s` with DuckDB's description of the holder
    (its process id), so the person reading it knows which process to look at. On a DuckLake,
    `snapshot_version` opens that DuckLake snapshot (read-only): the analysts' published state.
    """
    read_only = read_only or snapshot_version is not None  # a past snapshot is never written
    if not isinstance(database, DuckLake):
        database = parse_target(database)
    if isinstance(database, DuckLake):
        con = _attach_lake(database, read_only=read_only, snapshot_version=snapshot_version)
    else:
        con = _open_file(str(database), read_only=read_only, lock_timeout_s=lock_timeout_s, poll_s=poll_s)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


def exists(database: Target) -> bool:
    """Whether the warehouse was created (a DuckLake: its catalog answers and holds our schema)."""
    if not isinstance(database, DuckLake):
        return Path(database).exists()
    try:
        with connect(database, read_only=True) as con:
            return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                                    "AND schema_name = 'meta' AND table_name = 'schema_version'").fetchall()[0][0])
    except WarehouseMissingError:
        return False


def _open_file(database: str, *, read_only: bool, lock_timeout_s: float, poll_s: float) -> duckdb.DuckDBPyConnection:
    import duckdb

    if not read_only and not database.startswith("md:") and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    told = False
    while True:
        try:
            return duckdb.connect(database, read_only=read_only)
        except duckdb.IOException as exc:
            if "version number" in str(exc):  # DuckDB's words for a file of another storage format
                raise WarehouseVersionError(
                    f"warehouse {database} cannot be opened by DuckDB {duckdb.__version__}, which socialkpi "
                    f"pins: {str(exc).splitlines()[0]} Nothing was changed. Export it with the DuckDB that "
                    "wrote it (EXPORT DATABASE), or point `warehouse:` at a new file.") from exc
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {database} is locked by another process after waiting "
                    f"{lock_timeout_s:.0f}s: {exc}") from exc
            if not told:  # once: a silent wait looks like a hang
                print(f"warehouse {database} is locked ({_holder(exc)}); waiting up to "
                      f"{lock_timeout_s:.0f} s for it", file=sys.stderr, flush=True)
                told = True
            time.sleep(poll_s)


def _attach_lake(lake: DuckLake, *, read_only: bool, snapshot_version: int | None) -> duckdb.DuckDBPyConnection:
    import duckdb

    # No autoinstall: a missing extension must fail here with our message, not try the network.
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        load_extension(con, "ducklake")
        if lake.catalog.startswith("postgres:"):
            load_extension(con, "postgres_scanner")
        if lake.data_path and lake.data_path.startswith("s3://"):
            load_extension(con, "httpfs")
            settings = [f"{key} {_literal(os.environ[env])}"
                        for key, env in S3_SECRET_ENV.items() if os.environ.get(env)]
            con.execute(f"CREATE SECRET socialkpi_s3 (TYPE s3, {', '.join(['PROVIDER config', *settings])})")
        options = []
        if lake.data_path:
            options.append(f"DATA_PATH {_literal(lake.data_path)}")
        if read_only:
            options.append("READ_ONLY")
        if snapshot_version is not None:
            options.append(f"SNAPSHOT_VERSION {int(snapshot_version)}")
        suffix = f" ({', '.join(options)})" if options else ""
        try:
            con.execute(f"ATTACH {_literal(str(lake))} AS {LAKE_ALIAS}{suffix}")
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:  # Postgres / file catalogs
            if "does not exist" in str(exc) and read_only:
                raise WarehouseMissingError(f"no warehouse yet at {lake}: a run creates it") from exc
            raise
        con.execute(f"USE {LAKE_ALIAS}")
    except Exception:
        con.close()
        raise
    return con


def _holder(exc: duckdb.IOException) -> str:
    """DuckDB's words for who holds the lock ("Conflicting lock is held in <program> (PID n)")."""
    text = str(exc)
    at = text.find("Conflicting lock")
    return text[at:].split(". ")[0].strip() if at >= 0 else text.strip()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
