import asyncio
import time as t


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def blink(i):
    print("blink", i)
    t.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    blink(0)
    blink(1)
    await task


asyncio.run(main())
