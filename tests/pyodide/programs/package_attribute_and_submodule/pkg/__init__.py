import time

from . import api
from .reexport import reexport


class _Tools:
    def run(self):
        time.sleep(0)
        return "object"


# main.py's `import pkg.tools` replaces this with the submodule.
tools = _Tools()
