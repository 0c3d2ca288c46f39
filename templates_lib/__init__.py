"""Scenario templates (packages) and their sample-data generators."""
