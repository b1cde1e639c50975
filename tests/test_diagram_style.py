"""The shared diagram style: anchors, kinds and errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.plotting.diagram_style import arrow, box, line, new_diagram, op  # noqa: E402


def test_box_anchors_sit_on_its_edges():
    fig, ax = new_diagram(4, 3)
    b = box(ax, (2, 1), "$h_t$", kind="h", w=1.0, h=0.5)
    assert b.top == (2, 1.25) and b.bottom == (2, 0.75)
    assert b.left == (1.5, 1) and b.right == (2.5, 1)
    assert b.at(1, -1) == (2.5, 0.75)
    arrow(ax, b.top, (2, 2.5), label="$W_{hh}$", dashed=True)
    line(ax, [b.right, (3, 1), (3, 2)])
    assert op(ax, (1, 2), "+").w == pytest.approx(0.34)
    plt.close(fig)


def test_unknown_kind_and_bad_sizes_are_rejected():
    fig, ax = new_diagram(2, 2)
    with pytest.raises(ValueError, match="kind must be one of"):
        box(ax, (1, 1), kind="hidden")
    with pytest.raises(ValueError, match="at least 2 points"):
        line(ax, [(0, 0)])
    plt.close(fig)
    with pytest.raises(ValueError, match="positive"):
        new_diagram(0, 2)
