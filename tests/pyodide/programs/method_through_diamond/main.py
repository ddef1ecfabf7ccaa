import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Base:
    def step(self):
        print("base step")


class Left(Base):
    pass


class Right(Base):
    def step(self):
        print("right step begins")
        time.sleep(0)
        print("right step ends")


class Both(Left, Right):
    pass


async def main():
    task = asyncio.ensure_future(ticker(2))
    # Python's C3 order is Both, Left, Right, Base: this runs Right.step.
    Both().step()
    await task


asyncio.run(main())
