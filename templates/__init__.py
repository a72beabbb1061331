"""Default Jinja templates of tasksync (package data); override them with `templates:` in .tasksync.yaml."""
