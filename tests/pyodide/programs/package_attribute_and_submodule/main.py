import asyncio
import functools
import time

import pkg.api
import pkg.reexport
import pkg.tools


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)

    return wrapper


@logged
def fetch(key):
    time.sleep(0)
    return "v-" + key


async def main():
    # `pkg.tools` is the submodule here, `pkg.reexport` the function `__init__`
    # imported from it, `pkg.api` the submodule `__init__` binds.
    print(pkg.tools.run())
    print(pkg.reexport())
    print(pkg.api.get())
    print(fetch("a"), fetch.__wrapped__("b"))


asyncio.run(main())
