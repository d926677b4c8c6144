"""The cfn-lint worker process that `fixers.validate.LintWorker` starts.

Its own module, so that what it sends (``fixers.validate.LintError``) is pickled under the name
the parent knows, not as ``__main__``'s.
"""

import sys

from fixers.validate import worker_main

if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
