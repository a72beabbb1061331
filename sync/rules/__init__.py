"""Rules: each a function from the checked model to findings, registered with an id and a name.

``sync.rules.registry`` holds the table; the rule modules (one per concern) register
themselves on import.  Severity comes from the rule's default or ``rules:`` in
``.tasksync.yaml`` (by id or name); ``off`` disables a rule.
"""
