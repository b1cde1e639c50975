"""Korean labels of the diagrams (boxes, arrows, captions inside the figure): English -> Korean."""

KO: dict[str, str] = {
    "input": "입력",
}
