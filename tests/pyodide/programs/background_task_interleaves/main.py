import asyncio
import time

progress = []


async def reporter():
    while True:
        print("reporter sees", len(progress), "chunks")
        await asyncio.sleep(0)


def download(n):
    for i in range(n):
        time.sleep(0)
        progress.append(i)
        print("downloaded chunk", i)


async def main():
    task = asyncio.ensure_future(reporter())
    await asyncio.sleep(0)
    download(3)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("reporter stopped")


asyncio.run(main())
