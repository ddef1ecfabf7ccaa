import asyncio
import functools
import time


def tagged(tag):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            print("tag", tag)
            return fn(*a, **k)

        return wrapper

    return deco


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


@tagged("svc")
def get(k):
    print("get begins", k)
    time.sleep(0)
    return k * 2


async def main():
    task = asyncio.ensure_future(ticker(2))
    print("got", get(4))
    await task


asyncio.run(main())
