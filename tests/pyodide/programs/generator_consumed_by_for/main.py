import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def readings(n):
    for i in range(n):
        time.sleep(0)
        yield i * 10


def consume():
    total = 0
    for value in readings(3):
        print("reading", value)
        total += value
    return total


async def main():
    task = asyncio.ensure_future(ticker(3))
    total = consume()
    print("total", total)
    await task


asyncio.run(main())
