"""Data services (数据服务): a source plus a query, versioned, published, called by code."""
