import asyncio


async def setup():
    print("setup")
    await asyncio.sleep(0)
    return {"ready": True}


async def work(config):
    print("work, ready =", config["ready"])
    await asyncio.sleep(0)
    return 3


config = asyncio.run(setup())
print("items", asyncio.run(work(config)))
