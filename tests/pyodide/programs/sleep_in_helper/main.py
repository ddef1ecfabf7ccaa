import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def pause(label):
    print(label)
    time.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(3))
    for i in range(3):
        pause(f"work {i}")
    await task
    print("done")


asyncio.run(main())
