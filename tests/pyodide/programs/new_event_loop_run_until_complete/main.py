import asyncio
import time


def checkpoint(name):
    print("checkpoint", name)
    time.sleep(0)


async def main():
    checkpoint("a")
    checkpoint("b")
    return "ok"


# On Pyodide, asyncio.new_event_loop() makes the new loop the running loop, so
# after it only asyncio.sleep(0) (which creates no future) may be awaited; see
# tests/pyodide/README.md.
loop = asyncio.new_event_loop()
result = loop.run_until_complete(main())
loop.close()
print("result", result)
