import asyncio
import contextlib

from resources import Pool, opened


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


@contextlib.contextmanager
def quiet():
    # Never pauses: it stays a plain context manager.
    yield "quiet"


def report(pool):
    with opened("a") as a, pool.borrow("b") as b:
        print("using", a, b, len(pool.taken))
    try:
        with opened("c"):
            raise KeyError("c")
    except KeyError as error:
        print("caught", error)
    with quiet() as q:
        print("still", q)
    # A synchronous context manager beside one that becomes async.
    with quiet() as q, opened("d") as d:
        print("both", q, d)


async def main():
    task = asyncio.ensure_future(ticker(4))
    report(Pool())
    await task
    print("done")


asyncio.run(main())
