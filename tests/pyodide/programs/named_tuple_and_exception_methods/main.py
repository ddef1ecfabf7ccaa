import asyncio
import time
from typing import NamedTuple


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Point(NamedTuple):
    x: int
    y: int

    def norm(self):
        time.sleep(0)
        return abs(self.x) + abs(self.y)


class ConfigError(ValueError):
    def report(self):
        time.sleep(0)
        return f"bad config: {self}"


async def main():
    task = asyncio.ensure_future(ticker(2))
    print("norm", Point(1, -2).norm())
    try:
        raise ConfigError("port")
    except ConfigError as error:
        print(error.report())
    await task


asyncio.run(main())
