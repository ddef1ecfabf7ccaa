import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def ping(n):
    if n == 0:
        return
    print("ping", n)
    time.sleep(0)
    pong(n - 1)


def pong(n):
    if n == 0:
        return
    print("pong", n)
    time.sleep(0)
    ping(n - 1)


async def main():
    task = asyncio.ensure_future(ticker(4))
    ping(4)
    await task


asyncio.run(main())
