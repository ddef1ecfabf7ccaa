import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Worker:
    def __init__(self, name):
        self.name = name
        self.done = 0

    def rest(self):
        time.sleep(0)

    def step(self):
        self.done += 1
        print(self.name, "step", self.done)
        self.rest()


async def main():
    task = asyncio.ensure_future(ticker(2))
    w = Worker("w")
    w.step()
    w.step()
    await task
    print("steps", w.done)


asyncio.run(main())
