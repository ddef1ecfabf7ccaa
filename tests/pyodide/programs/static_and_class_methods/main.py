import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Cache:
    @staticmethod
    def wait():
        time.sleep(0)

    @classmethod
    def build(cls, n):
        obj = cls()
        for i in range(n):
            cls.wait()
            print("built", i)
        return obj


async def main():
    task = asyncio.ensure_future(ticker(2))
    cache = Cache.build(2)
    print("got", type(cache).__name__)
    await task


asyncio.run(main())
