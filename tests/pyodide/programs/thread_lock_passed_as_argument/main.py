import asyncio
import threading
import time


def work(i, lock):
    # `lock` is a parameter; the callers pass a threading.Lock. As `async def`, the
    # second task would block the page's event loop in `acquire()` while the first
    # awaits inside the block, so awaitify leaves `work` synchronous (AW217).
    with lock:
        print("enter", i)
        time.sleep(0)
        print("leave", i)


LOCK = threading.Lock()


async def task(i):
    work(i, LOCK)


async def main():
    await asyncio.gather(task(1), task(2))
    print("done")


asyncio.run(main())
