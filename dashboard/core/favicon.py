"""The app's favicon: two blocks, Kracht beside Zorgen, drawn here because a material icon favicon is fetched from
Google. As a PNG data URL, which st.set_page_config passes on as it is: given an image, Streamlit encoded it to PNG
again in every script run (~1 ms of server CPU per run)."""
from __future__ import annotations

import base64
import io


def page_icon_url() -> str:
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 14, 30, 58), radius=5, fill="#00695c")
    draw.rounded_rectangle((34, 26, 60, 58), radius=5, fill="#5e3c99")
    png = io.BytesIO()
    img.save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
