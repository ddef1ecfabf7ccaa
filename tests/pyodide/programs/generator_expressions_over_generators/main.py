import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def produce(n):
    for i in range(n):
        print("produce", i)
        time.sleep(0)
        yield i


def load(x):
    print("load", x)
    time.sleep(0)
    return x * 10


def report(n):
    names = ",".join(f"<{x}>" for x in produce(n))
    ranked = sorted((load(x) for x in produce(n)), reverse=True)
    pairs = tuple((row, x) for row in range(1, 3) for x in produce(row))
    return names, ranked, pairs


async def main():
    task = asyncio.ensure_future(ticker(3))
    print(report(2))
    await task


asyncio.run(main())
