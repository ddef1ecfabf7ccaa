import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def run_batch(n):
    def one(i):
        print("item", i)
        time.sleep(0)

    for i in range(n):
        one(i)
    print("batch done")


async def main():
    task = asyncio.ensure_future(ticker(3))
    run_batch(3)
    await task


asyncio.run(main())
