import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Source:
    def load(self, key):
        return key.upper()

    def fetch(self, key):
        value = self.load(key)
        print(type(self).__name__, "fetched", value)
        return value


class SlowSource(Source):
    def load(self, key):
        print("slow load", key)
        time.sleep(0)
        return key.lower()


async def main():
    task = asyncio.ensure_future(ticker(2))
    for source in [Source(), SlowSource()]:
        source.fetch("Key")
    await task


asyncio.run(main())
