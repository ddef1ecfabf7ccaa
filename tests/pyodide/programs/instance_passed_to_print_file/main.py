import asyncio
import time


class Sink:
    """print(..., file=sink) calls write itself: it must stay synchronous."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        time.sleep(0)
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass


async def ticker():
    for i in range(2):
        print(f"tick {i}")
        await asyncio.sleep(0)


def work():
    for i in range(2):
        print(f"work {i}")
        time.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker())
    work()
    await task


sink = Sink()
sink.write("direct;")
print("via print", file=sink)
print(repr("".join(sink.parts)))
asyncio.run(main())
