import asyncio
import time
import types


class Idle:
    def handle(self):
        self.__class__ = Busy
        return "idle"


class Busy:
    def handle(self):
        time.sleep(0)
        self.__class__ = Idle
        return "busy"


class Cached:
    def fetch(self):
        return "cached"


class Live:
    def fetch(self):
        time.sleep(0)
        return "live"

    def close(self):
        time.sleep(0)
        return "closed"


def go_offline(source):
    source.__class__ = Cached


class LazyModule(types.ModuleType):
    def __getattribute__(self, name):
        return super().__getattribute__(name)


def make_lazy(module):
    module.__class__ = LazyModule


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    machine = Idle()
    print(machine.handle(), machine.handle(), machine.handle())
    source = Live()
    print(source.fetch(), source.close())
    go_offline(source)
    print(source.fetch(), type(source).__name__)
    lazy = types.ModuleType("lazy")
    make_lazy(lazy)
    print(type(lazy).__name__, Live().close())
    await task


asyncio.run(main())
