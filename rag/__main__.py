"""``python -m rag``: the command line (:mod:`rag.app.cli`)."""

import sys

from rag.app.cli import main

sys.exit(main())
