import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Worker:
    def __init__(self, name):
        self.name = name

    def step(self):
        time.sleep(0)
        return f"{self.name} stepped"


class Team:
    def __init__(self, names):
        self.workers = [Worker(n) for n in names]

    def run(self):
        return [w.step() for w in self.workers]


class Store:
    @classmethod
    def create(cls, name):
        time.sleep(0)
        store = cls()
        store.name = name
        return store

    def get(self, key):
        time.sleep(0)
        return f"{self.name}:{key}"


async def main():
    task = asyncio.ensure_future(ticker(6))
    workers = [Worker("a"), Worker("b")]
    for w in workers:
        print(w.step())
    print(Team(["c", "d"]).run())
    s = Store.create("main")
    print(s.get("k"))
    await task


asyncio.run(main())
