"""Output formats for findings: text, json, github, sarif (one module each)."""
