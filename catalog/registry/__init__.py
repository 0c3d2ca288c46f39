"""The component registry (组件管理)."""
