import time

import streamlit as st

st.title("Report")
for i in range(3):
    st.write("row", i)
    time.sleep(0.01)
st.write("report complete")
