import asyncio


async def fetch(n):
    await asyncio.sleep(0)
    return n * 2


def compute(n):
    return asyncio.run(fetch(n))


def report():
    value = compute(21)
    print("value", value)


def cli():
    print("start")
    report()
    print("done")


cli()
