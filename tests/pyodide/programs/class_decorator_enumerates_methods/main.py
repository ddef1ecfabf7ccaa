import asyncio
import time

from tracing import traced


# `traced` wraps each method of the class in a function that calls it without awaiting:
# as an `async def`, `users` would hand the wrapper a coroutine, and "loading users"
# would be printed after "<- users". So `users` stays synchronous (AW211).
@traced
class Api:
    def users(self):
        time.sleep(0)
        print("loading users")
        return ["ann", "bob"]


# Never enumerated: rewritten as usual.
class Worker:
    def step(self, i):
        time.sleep(0)
        print("step", i)


async def main():
    Worker().step(1)
    print(Api().users())
    print("done")


asyncio.run(main())
