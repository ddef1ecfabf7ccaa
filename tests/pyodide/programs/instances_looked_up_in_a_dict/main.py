import asyncio

from clients import Live, Test

CLIENTS = {"live": Live(), "test": Test()}
MIRRORS = {name: Live() for name in ("eu", "us")}


def fetch(kind, key):
    client = CLIENTS.get(kind)
    if client is None:
        return "missing"
    return client.fetch(key)


def fetch_all(key):
    return [client.fetch(key) for client in CLIENTS.values()] + [MIRRORS["eu"].fetch(key)]


def by_name(key):
    found = {}
    for name, client in CLIENTS.items():
        found[name] = client.fetch(key)
    return found


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    found = [fetch("live", "a"), fetch("test", "b"), fetch("none", "c")]
    every = fetch_all("d")
    named = by_name("e")
    await task
    print(*found)
    print(every)
    print(named)


asyncio.run(main())
