import asyncio

from client import Client

client = None


def connect():
    global client
    client = Client()


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    connect()
    print("fetched", client.fetch("a"))
    print("fetched", client.fetch("b"))
    await task


asyncio.run(main())
