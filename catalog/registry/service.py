"""The component registry (组件管理): plain functions taking a session and an actor."""
from __future__ import annotations
