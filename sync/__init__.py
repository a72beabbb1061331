"""tasksync: keep documentation-driven task state honest."""

__version__ = "0.1.0"
