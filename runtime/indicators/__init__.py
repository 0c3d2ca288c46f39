"""Indicators (指标): one definition, one exit. Cards, alerts and reports name an indicator by code."""
