"""The notation appendix holds the one scheme: every symbol the chapters rely on, and the mapping
between the book's, the Deep Learning book's, course_lib's and PyTorch's weight names."""

from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTATION = (BOOK / "appendix" / "notation.md").read_text(encoding="utf-8")


def test_notation_defines_the_symbols_that_used_to_be_missing_or_ambiguous():
    for symbol in (r"$S$", r"$\bar h_s$", r"$m_s$", r"$\delta_t", r"$\tau$", r"$n_h$", r"$d_{\text{model}}$",
                   r"$\lambda$", r"$o_t = W_{hy} h_t + b_y$", r"$\hat y_t", r"$L = \frac1T \sum_{t=1}^T L_t$"):
        assert symbol in NOTATION, symbol


def test_notation_maps_weight_names_across_the_book_the_deep_learning_book_the_code_and_pytorch():
    mapping = NOTATION[NOTATION.index("(appendix-notation-mapping)="):]
    for name in ("$U$", "$V$", "$W$", "`W_xh`", "`W_hh`", "`W_x`", "`W_h`", "`weight_ih_l0`", "`weight_hh_l0`",
                 "`bias_ih_l0 + bias_hh_l0`", r"$W_{xh}$", r"$W_{hh}$", r"$W_{hy}$"):
        assert name in mapping, name


def test_chapters_0_to_3_never_call_the_logits_y_t():
    for page in ("01_sequence_data/index.md", "02_training_rnns/index.md"):
        text = (BOOK / page).read_text(encoding="utf-8")
        assert "y_t = W_{hy}" not in text and "\\partial y_t" not in text, page
