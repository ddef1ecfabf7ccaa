import asyncio

import client as api


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    api.connect()
    print("fetched", api.client.fetch("a"))
    print("fetched", api.client.fetch("b"))
    await task


asyncio.run(main())
