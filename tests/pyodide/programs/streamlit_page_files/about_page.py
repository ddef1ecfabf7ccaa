import streamlit as st

st.title("About")
