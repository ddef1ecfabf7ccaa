import time

import streamlit as st

st.title("Reports")
with st.spinner("Preparing the report..."):
    time.sleep(0.5)
st.write("The report is ready.")
