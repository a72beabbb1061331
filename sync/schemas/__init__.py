"""JSON schemas shipped with tasksync (package data)."""
