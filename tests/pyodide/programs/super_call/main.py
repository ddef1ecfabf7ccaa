import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Base:
    def setup(self):
        print("base setup")
        time.sleep(0)


class Child(Base):
    def setup(self):
        print("child setup begins")
        super().setup()
        print("child setup ends")


async def main():
    task = asyncio.ensure_future(ticker(2))
    Child().setup()
    await task


asyncio.run(main())
