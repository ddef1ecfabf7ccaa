import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def countdown(n):
    if n == 0:
        print("liftoff")
        return 0
    print("count", n)
    time.sleep(0)
    return 1 + countdown(n - 1)


async def main():
    task = asyncio.ensure_future(ticker(4))
    steps = countdown(3)
    print("steps", steps)
    await task


asyncio.run(main())
