import asyncio

from repo import CachedRepo, Repo
from service import Service, fetch_all


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def show(svc, key):
    print("got", svc.get(key))


async def main():
    task = asyncio.ensure_future(ticker(3))
    show(Service(Repo()), "a")
    cached = Service(CachedRepo())
    print("all", fetch_all(cached, ["b", "b"]))
    await task


asyncio.run(main())
