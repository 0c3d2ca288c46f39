"""The matter catalog, domain catalogs and mappings (事项目录)."""
