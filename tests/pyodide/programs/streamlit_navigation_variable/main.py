import time

import streamlit as st


def dashboard():
    st.title("Dashboard")
    time.sleep(0.01)
    st.write("metrics loaded")


pg = st.navigation([st.Page(dashboard)])
pg.run()
st.write("sidebar rendered")
