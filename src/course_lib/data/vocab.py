"""A vocabulary maps tokens to integer ids and back.

Ids ``0..3`` are the special tokens ``<pad> <bos> <end> <unk>`` (in that order, unless a
vocabulary is built without them), then the ordinary tokens in the order given.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from course_lib.errors import VocabError

__all__ = ["PAD", "BOS", "END", "UNK", "SPECIALS", "Vocab"]

PAD, BOS, END, UNK = "<pad>", "<bos>", "<end>", "<unk>"
SPECIALS: tuple[str, ...] = (PAD, BOS, END, UNK)


class Vocab:
    """A token <-> id mapping with the special tokens ``<pad> <bos> <end> <unk>``.

    Args:
        tokens: the ordinary tokens, in id order (duplicates are dropped, first one kept).
        specials: special tokens placed first; the default gives ``<pad>=0, <bos>=1, <end>=2,
            <unk>=3``. Pass ``()`` for a bare vocabulary (e.g. the 65 characters of Shakespeare).

    Example:
        >>> v = Vocab.from_text("hello")
        >>> v.encode("hell", add_end=True)
        [5, 4, 6, 6, 2]
        >>> v.decode([5, 4, 6, 6, 7, 2])
        'hello'
    """

    def __init__(self, tokens: Iterable[Hashable], specials: Sequence[str] = SPECIALS) -> None:
        self.itos: list[Hashable] = []
        self.stoi: dict[Hashable, int] = {}
        for tok in [*specials, *tokens]:
            if tok not in self.stoi:
                self.stoi[tok] = len(self.itos)
                self.itos.append(tok)
        self.specials: tuple[str, ...] = tuple(specials)

    @classmethod
    def from_text(cls, text: str, specials: Sequence[str] = SPECIALS) -> Vocab:
        """Character vocabulary of ``text``: its distinct characters in sorted order."""
        return cls(sorted(set(text)), specials=specials)

    # -- special ids ----------------------------------------------------------------------------
    def _special_id(self, tok: str) -> int:
        if tok not in self.stoi:
            raise VocabError(f"this vocabulary has no {tok} token (specials: {list(self.specials)})")
        return self.stoi[tok]

    @property
    def pad_id(self) -> int:
        return self._special_id(PAD)

    @property
    def bos_id(self) -> int:
        return self._special_id(BOS)

    @property
    def end_id(self) -> int:
        return self._special_id(END)

    @property
    def unk_id(self) -> int:
        return self._special_id(UNK)

    # -- mapping --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.itos[:8])
        return f"Vocab(size={len(self)}, tokens=[{head}{', ...' if len(self) > 8 else ''}])"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.itos == other.itos and self.specials == other.specials

    def encode(
        self,
        tokens: Iterable[Hashable],
        *,
        allow_unk: bool = False,
        add_bos: bool = False,
        add_end: bool = False,
    ) -> list[int]:
        """Token sequence -> list of ids.

        Args:
            tokens: e.g. a string (its characters) or a list of words.
            allow_unk: map unknown tokens to ``<unk>`` instead of raising.
            add_bos, add_end: put ``<bos>`` first / ``<end>`` last.

        Raises:
            VocabError: for a token not in the vocabulary (unless ``allow_unk``), naming the token,
                its position and a few known tokens.
        """
        ids: list[int] = [self.bos_id] if add_bos else []
        unk = self.unk_id if allow_unk else None
        for pos, tok in enumerate(tokens):
            i = self.stoi.get(tok)
            if i is None:
                if unk is None:
                    known = "".join(str(t) for t in self.itos[len(self.specials):][:20])
                    raise VocabError(
                        f"token {tok!r} at position {pos} is not in the vocabulary of {len(self)} tokens "
                        f"(known: {known!r}...); pass allow_unk=True to map it to {UNK}"
                    )
                i = unk
            ids.append(i)
        if add_end:
            ids.append(self.end_id)
        return ids

    def decode(self, ids: Iterable[int], *, strip_specials: bool = True, stop_at_end: bool = True,
               join: bool = True) -> str | list[Hashable]:
        """Ids -> tokens (joined into a string when ``join``).

        ``stop_at_end`` stops at the first ``<end>``; ``strip_specials`` drops ``<pad>``/``<bos>``/
        ``<end>`` (``<unk>`` is kept so that information loss stays visible).

        Raises:
            VocabError: for an id outside ``[0, len(vocab))`` or not an integer.
        """
        out: list[Hashable] = []
        end = self.stoi.get(END)
        drop = {self.stoi[s] for s in (PAD, BOS, END) if s in self.stoi} if strip_specials else set()
        for pos, i in enumerate(ids):
            i_int = int(i)
            if i_int != i or not 0 <= i_int < len(self):
                raise VocabError(f"id {i!r} at position {pos} is outside the vocabulary [0, {len(self)})")
            if stop_at_end and i_int == end:
                break
            if i_int in drop:
                continue
            out.append(self.itos[i_int])
        return "".join(str(t) for t in out) if join else out

    # -- persistence ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        n = len(self.specials)
        return {"specials": list(self.specials), "tokens": list(self.itos[n:])}

    @classmethod
    def from_dict(cls, d: dict) -> Vocab:
        return cls(d["tokens"], specials=d["specials"])
