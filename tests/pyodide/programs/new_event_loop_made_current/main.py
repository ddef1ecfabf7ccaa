import asyncio
import time


async def tick(name):
    for step in range(2):
        print(name, step)
        await asyncio.sleep(0.01)


def fetch(key):
    time.sleep(0.02)
    return key * 2


async def main():
    ticker = asyncio.create_task(tick("tick"))
    value = fetch(21)
    await ticker
    return value


# The boilerplate asyncio.run() replaces: a new loop, made current, run, shut down.
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
try:
    print("result", loop.run_until_complete(main()))
finally:
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
