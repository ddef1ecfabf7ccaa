import asyncio as aio

asyncio = "mine"
from helpers import *


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await aio.sleep(0)


async def main():
    task = aio.ensure_future(ticker(2))
    results = [work(i) for i in range(2)]
    print("asyncio is", asyncio)
    print("results", results)
    await task


aio.run(main())
