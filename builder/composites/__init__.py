"""Composite components (组合组件): a group of cards with their props and bindings, saved to the
library under a code and dropped onto pages from the designer's palette as one piece."""
