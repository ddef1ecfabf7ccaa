"""A command loop that dispatches through a table of functions while a ticker runs."""
import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def cmd_load(arg):
    time.sleep(0)
    return f"loaded {arg}"


def cmd_save(arg):
    time.sleep(0)
    return f"saved {arg}"


COMMANDS = {"load": cmd_load, "save": cmd_save}


def dispatch(line):
    name, arg = line.split()
    handler = COMMANDS.get(name)
    if handler is None:
        return f"unknown {name}"
    return handler(arg)


async def main():
    task = asyncio.ensure_future(ticker(3))
    await asyncio.sleep(0)
    for line in ["load a", "save b", "drop c"]:
        print(dispatch(line))
    print("commands:", ", ".join(sorted(COMMANDS)))
    await task


asyncio.run(main())
