import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def load(x):
    print("load", x)
    time.sleep(0)
    return x * 10


def label(x):
    time.sleep(0)
    return f"<{x}>"


def report(xs):
    names = ",".join(label(x) for x in xs)
    ranked = sorted((load(x) for x in xs), reverse=True)
    return names, ranked


async def main():
    task = asyncio.ensure_future(ticker(3))
    print(report([1, 2, 3]))
    await task


asyncio.run(main())
