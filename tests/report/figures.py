"""What the plot tests look at in a drawn figure."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def outside(fig: Figure) -> list[str]:
    """What a drawn figure shows outside itself: the texts (titles, labels, ticks drawn, legends, annotations)
    that stick out, if the box around everything drawn is larger than the figure."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    drawn, inside = fig.get_tightbbox(renderer), fig.bbox_inches
    if (drawn.x0 >= inside.x0 - 0.01 and drawn.y0 >= inside.y0 - 0.01 and drawn.x1 <= inside.x1 + 0.01
            and drawn.y1 <= inside.y1 + 0.01):
        return []
    box = fig.bbox
    texts = [t for t in fig.findobj(lambda artist: hasattr(artist, "get_text") and hasattr(artist, "get_window_extent"))
             if t.get_visible() and t.get_text()]
    return [t.get_text() for t in texts if not box.contains(*t.get_window_extent(renderer).p0)
            or not box.contains(*t.get_window_extent(renderer).p1)] or ["something drawn outside the figure"]
