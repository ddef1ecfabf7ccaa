import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Client:
    def fetch(self, key):
        time.sleep(0)
        return key.upper()


class Session:
    def __enter__(self):
        print("enter session")
        return self

    def __exit__(self, *exc):
        print("exit session")
        return False

    def fetch(self, key):
        time.sleep(0)
        return key


class Pool:
    def __enter__(self):
        return Client()

    def __exit__(self, *exc):
        return False


async def main():
    task = asyncio.ensure_future(ticker(2))
    with Session() as session:
        print("got", session.fetch("a"))
    with Pool() as client:
        print("got", client.fetch("b"))
    await task


asyncio.run(main())
