import asyncio

import pkg
from pkg import fetch


def load(keys):
    return [pkg.fetch(key) for key in keys]


async def main():
    print(load(["a", "b"]))
    print(fetch("c"))


asyncio.run(main())
