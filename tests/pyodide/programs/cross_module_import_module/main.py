import asyncio

import pipeline


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    count = pipeline.process(["a", "b"])
    print("processed", count)
    await task


asyncio.run(main())
