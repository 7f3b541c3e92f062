"""``python -m bench`` (from the repository root): see bench/README.md."""

import sys

from bench.run import main

sys.exit(main())
