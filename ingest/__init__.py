"""Landing: the export drop folder, API pulls and the raw records they become (raw.* tables).

Between connectors (which parse and fetch) and transforms (which build core and KPI tables from
raw): nothing here knows a platform by name.
"""
