"""Data sources, data services, indicators, alerts, the event core and the page data resolver."""
