import asyncio

from helpers import slow_double


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(3))
    results = [slow_double(i) for i in range(3)]
    print("results", results)
    await task


asyncio.run(main())
