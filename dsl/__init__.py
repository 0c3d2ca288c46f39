"""The one expression language (lark): parse -> AST -> SQL or Python. Imports nothing of ours."""
