"""Korean labels of the result plots (axis titles, legends, titles): English -> Korean."""

KO: dict[str, str] = {
    "step": "스텝",
}
