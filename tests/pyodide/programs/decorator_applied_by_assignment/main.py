import asyncio
import functools
import time


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        print("enter", fn.__name__)
        return fn(*args)

    return wrapper


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def fetch(key):
    print("fetch begins", key)
    time.sleep(0)
    return key * 2


# Before the rebinding the name holds the function itself: no "enter" line.
print("warm", fetch("w"))
fetch = traced(fetch)


class Store:
    def load(name):
        time.sleep(0)
        return name.upper()

    load = staticmethod(load)


def settings():
    time.sleep(0)
    return {"mode": "fast"}


# A cache would keep the coroutine, not the result: this one stays synchronous.
settings = functools.lru_cache(settings)


async def main():
    task = asyncio.ensure_future(ticker(2))
    print("got", fetch("ab"))
    print("loaded", Store.load("x"))
    print("mode", settings()["mode"])
    await task


asyncio.run(main())
