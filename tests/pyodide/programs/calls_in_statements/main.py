import asyncio
import contextlib
import time


def slow(x):
    time.sleep(0)
    return x


def risky(x):
    time.sleep(0)
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x


def tally():
    total = 0
    total += slow(1)
    try:
        total += risky(-1)
    except ValueError as e:
        print("caught", e)
        total += slow(10)
    else:
        total += slow(-1000)
    finally:
        total += slow(100)
    with contextlib.suppress(KeyError):
        total += slow(1000)
        raise KeyError("ignored")
    for i in range(2):
        total += slow(i)
    else:
        total += slow(5)
    assert slow(True), "never"
    del_me = [slow(0)]
    del del_me[slow(0)]
    return total


async def main():
    print("total", tally())


asyncio.run(main())
