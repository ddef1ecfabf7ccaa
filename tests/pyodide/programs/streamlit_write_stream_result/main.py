import time

import streamlit as st


def tokens():
    for t in ["a", "b", "c"]:
        time.sleep(0.01)
        yield t


def show_answer():
    text = st.write_stream(tokens())
    st.write("length", len(text))


show_answer()
