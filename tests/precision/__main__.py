import sys

from tests.precision import main

sys.exit(main())
