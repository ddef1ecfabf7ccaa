"""Streams two answers while a ticker runs: one from a generator function handed to
st.write_stream as a value (Streamlit calls it), one from a generator call."""
import asyncio
import time

import streamlit as st


async def ticker():
    while True:
        print("tick")
        await asyncio.sleep(0)


def stream_data():
    for word in ["Lorem", "ipsum"]:
        time.sleep(0)
        yield word


def words(text):
    for word in text.split():
        time.sleep(0)
        yield word


async def main():
    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    st.write_stream(stream_data)
    st.write_stream(stream=words("dolor sit"))
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("done")


asyncio.run(main())
