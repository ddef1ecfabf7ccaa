import asyncio
import time


class Store:
    def __load(self, key):
        time.sleep(0)
        return key * 2

    def get(self, key):
        return self.__load(key)


def make_store():
    store = Store()
    return store


def page_home():
    time.sleep(0)
    return "home"


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(3))
    options = dict(key="x")
    print(globals()["page_home"](), globals().get("page_home")())
    print(getattr(make_store(), "get", None)(options.get("key")))
    print(Store()._Store__load("y"))
    await task


asyncio.run(main())
