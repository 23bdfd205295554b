"""A wrong answer that replaces a function of the sandbox's harness so a failing check passes."""

import sys

execute = sys.modules["quiz.sandbox.execute"]
execute._failure = lambda *args: execute.Report()
