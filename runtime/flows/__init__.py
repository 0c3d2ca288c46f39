"""Flows (流程开发): the flow document, its versions and its runtime."""
