import asyncio

from app.service import run_service


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    print(run_service(["/a", "/b"]))
    await task


asyncio.run(main())
