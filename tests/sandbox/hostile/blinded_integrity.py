"""A wrong answer that first empties the harness's record of itself (the integrity snapshot is
reachable from the child's module), then replaces a function of the harness: an integrity check
that reads its record after the answer ran sees nothing to compare."""

import sys

child = sys.modules["quiz.sandbox.child"]
for record in child._SNAPSHOT:
    for name, value in list(vars(record).items()):
        if isinstance(value, list):
            value.clear()
        else:
            setattr(record, name, ((), (), (), (), ()))
execute = sys.modules["quiz.sandbox.execute"]
execute._failure = lambda *args: execute.Report()
