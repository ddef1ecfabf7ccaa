"""Event loops for the jobs, made here and run by the callers."""
import asyncio

SHARED = asyncio.new_event_loop()


def make_loop():
    return asyncio.new_event_loop()
