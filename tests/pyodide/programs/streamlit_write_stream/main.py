"""Streams a short answer word by word."""
from __future__ import annotations

import time

import streamlit as st


def answer_words(text: str):
    for word in text.split():
        time.sleep(0.01)
        yield word


st.title("Chat")
st.write_stream(answer_words("hello from the stream"))
st.write("done")
