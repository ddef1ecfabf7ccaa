import asyncio
import time


def checkpoint(name):
    print("checkpoint", name)
    time.sleep(0.01)


async def main():
    checkpoint("a")
    checkpoint("b")
    return "ok"


# On Pyodide, asyncio.new_event_loop() would make a new loop the running one, and
# every later await of a real future would fail; the rewrite takes the page's loop
# instead (see tests/pyodide/README.md).
loop = asyncio.new_event_loop()
result = loop.run_until_complete(main())
loop.close()
print("result", result)
