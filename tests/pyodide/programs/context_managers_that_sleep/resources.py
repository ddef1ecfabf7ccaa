"""Context managers that pause while they set up and tear down."""

import time
from contextlib import contextmanager


@contextmanager
def opened(name):
    print("open", name)
    time.sleep(0)
    try:
        yield name.upper()
    finally:
        time.sleep(0)
        print("close", name)


class Pool:
    def __init__(self):
        self.taken = []

    @contextmanager
    def borrow(self, name):
        with opened(name) as handle:
            self.taken.append(handle)
            yield handle
            self.taken.remove(handle)
