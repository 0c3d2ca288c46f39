"""Data sources (数据源): SQL databases, uploaded files, HTTP JSON APIs."""
