import time

import streamlit as st


def home():
    st.title("Home")
    for i in range(2):
        st.write("loading", i)
        time.sleep(0.01)
    st.write("home ready")


def settings():
    st.title("Settings")


st.navigation([st.Page(home, title="Home"), st.Page(settings, title="Settings")]).run()
st.write("after navigation")
