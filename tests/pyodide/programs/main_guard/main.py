import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def serve():
    task = asyncio.ensure_future(ticker(2))
    for i in range(2):
        print("request", i)
        time.sleep(0)
    await task


def main():
    print("starting")
    asyncio.run(serve())
    print("stopped")


if __name__ == "__main__":
    main()
