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


def squares(n):
    return [x * x for x in produce(n)]


async def main():
    task = asyncio.ensure_future(ticker(3))
    print("squares", squares(3))
    await task


asyncio.run(main())
