"""An empty Streamlit page (one heading), for benchmarks/bench_map.py: what Streamlit itself costs the browser
before any of Buurtbalans' own work. Not part of the app; served only by the benchmark on 127.0.0.1."""
import streamlit as st

st.title("Buurtbalans")
