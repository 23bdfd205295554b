"""`python -m quiz` is the `quiz` command."""

import sys

from quiz.cli import main

sys.exit(main())
