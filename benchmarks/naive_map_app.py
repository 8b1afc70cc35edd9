"""The all-NL buurt map the naive way, for benchmarks/bench_map.py's ratio: what a student would write with
pandas over the shipped source files and Plotly Express, no caching, every run reads and draws everything.
Same polygons (the shipped 2024 buurt shapes), same figure (RIVM 50090NED, ervaren gezondheid, 18+, 2020).
Not part of the app; served only by the benchmark on 127.0.0.1."""
import json
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

DATA = Path(__file__).resolve().parents[1] / "data" / "snapshot"

shapes = json.loads((DATA / "geo" / "buurten_2024_benadering.geojson").read_text())
rivm = pd.read_parquet(DATA / "tables" / "50090NED" / "TypedDataSet.parquet")
rivm = rivm[(rivm.Leeftijd == "20300") & (rivm.Perioden == "2020JJ00") & rivm.WijkenEnBuurten.str.startswith("BU")]
rivm = rivm.assign(buurtcode=rivm.WijkenEnBuurten.str.strip())
st.title("Ervaren gezondheid per buurt")
fig = px.choropleth_map(rivm, geojson=shapes, locations="buurtcode", featureidkey="properties.buurtcode",
                        color="ErvarenGezondheidGoedZeerGoed_4", map_style="white-bg", zoom=6,
                        center={"lat": 52.2, "lon": 5.3}, height=700)
st.plotly_chart(fig)
