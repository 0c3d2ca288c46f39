"""Component types: JSON Schemas of props and bindings, and their renderers."""
