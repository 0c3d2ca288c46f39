"""Open311 GeoReport v2 over the event core: existing citizen apps can report and follow events."""
