"""API services (API服务): a published app's data services and indicators offered outbound."""
