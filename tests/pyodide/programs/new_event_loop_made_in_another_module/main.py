"""Runs jobs on loops another module makes: a fresh one per call, and a shared global."""
import asyncio

from loops import SHARED, make_loop


async def job(name):
    await asyncio.sleep(0.01)
    return f"{name} done"


def fetch(name):
    loop = make_loop()
    try:
        return loop.run_until_complete(job(name))
    finally:
        loop.close()


print(fetch("first"))
print(SHARED.run_until_complete(job("shared")))
print(fetch("second"))
