"""A client with a blocking call and its async twin for the page."""

import asyncio
import time


def fetch(key):
    time.sleep(0.01)
    return f"value of {key}"


async def afetch(key):
    await asyncio.sleep(0.01)
    return f"value of {key}"
