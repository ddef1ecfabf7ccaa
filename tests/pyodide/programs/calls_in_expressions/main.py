import asyncio
import time


def slow(x):
    time.sleep(0)
    return x


def ready(n):
    time.sleep(0)
    return n < 3


async def main():
    total = slow(1) + slow(2) * slow(3)
    print(f"total={total}", f"inline={slow(4)}")
    print("args", max(slow(5), slow(6)), str(slow(7)), sep=slow(" "))
    n = 0
    while ready(n):
        n += 1
    print("counted", n)
    if ready(1) and not ready(5):
        print("condition ok")
    data = {"a": slow(1), "b": [slow(2), slow(3)], slow("c"): (slow(4),)}
    print(data)
    label = "big" if slow(10) > 5 else "small"
    print(label, -slow(3), slow([1, 2, 3])[slow(1)], slow("abc").upper())


asyncio.run(main())
