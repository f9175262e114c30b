"""Draw the portal's app icons: a white "q" on the brand colour, as SVG and PNG.

Run from the repository root after changing the shapes here; the files it writes are
committed. The glyph stays inside the middle 80 % so that one picture also serves as a
"maskable" icon, which phones crop to a circle or a rounded square.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "src/qyzmet/portal/static/portal/icons"
BRAND, WHITE = "#00556b", "#ffffff"
SIZE = 512
# The "q" on a 512 grid: a ring and, on its right, a stem going down.
RING = (256, 230, 102, 61)  # centre x, centre y, outer radius, inner radius
STEM = (317, 128, 358, 399)  # left, top, right, bottom

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}">
  <rect width="{SIZE}" height="{SIZE}" fill="{BRAND}"/>
  <circle cx="{RING[0]}" cy="{RING[1]}" r="{(RING[2] + RING[3]) / 2}" fill="none" stroke="{WHITE}" stroke-width="{RING[2] - RING[3]}"/>
  <rect x="{STEM[0]}" y="{STEM[1]}" width="{STEM[2] - STEM[0]}" height="{STEM[3] - STEM[1]}" fill="{WHITE}"/>
</svg>
"""  # noqa: E501


def png(size: int) -> Image.Image:
    """The icon at ``size`` pixels, drawn four times larger and scaled down (smooth edges)."""
    scale = 4 * size / SIZE
    image = Image.new("RGB", (4 * size, 4 * size), BRAND)
    draw = ImageDraw.Draw(image)
    x, y, outer, inner = (value * scale for value in RING)
    draw.ellipse((x - outer, y - outer, x + outer, y + outer), fill=WHITE)
    draw.ellipse((x - inner, y - inner, x + inner, y + inner), fill=BRAND)
    draw.rectangle(tuple(value * scale for value in STEM), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "icon.svg").write_text(SVG)
    for size in (192, 512):
        png(size).save(ICONS / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
