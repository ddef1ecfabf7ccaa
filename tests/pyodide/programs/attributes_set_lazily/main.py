import asyncio

from client import Client, FakeClient


class Store:
    def __init__(self):
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = Client("db")
        return self._db


class Service(Store):
    conn = None

    def __init__(self, client=None, fast=False):
        super().__init__()
        self.client = client or Client("live")
        self.backup = Client("backup") if fast else FakeClient()
        self.cache = None

    def connect(self):
        if self.conn is None:
            self.conn = Client("conn")
        return self.conn

    def get(self, key):
        self.cache = self.cache or Client("cache")
        return [
            self.client.fetch(key),
            self.backup.fetch(key),
            self.connect().fetch(key),
            self.cache.fetch(key),
            self.db.fetch(key),
        ]


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    print(Service().get("a"))
    print(Service(FakeClient(), fast=True).get("b"))
    await task


asyncio.run(main())
