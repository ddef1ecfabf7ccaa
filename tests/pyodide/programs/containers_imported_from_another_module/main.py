import asyncio

from clients import CLIENTS, POOL


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def lookup(kind, key):
    client = CLIENTS.get(kind)
    return client.fetch(key) if client else "missing"


def report():
    print(lookup("live", "a"), lookup("offline", "b"), lookup("other", "c"))
    print([worker.fetch("d") for worker in POOL])
    print({name: client.fetch("e") for name, client in CLIENTS.items()})


async def main():
    task = asyncio.ensure_future(ticker(2))
    report()
    await task


asyncio.run(main())
