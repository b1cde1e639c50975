import hashlib
import shutil

import numpy as np
import pytest

from course_lib.data import CORPORA, Vocab, load_corpus, split_text
from course_lib.errors import ChecksumError, DataFileError, VocabError
from course_lib.functional import one_hot


def test_vocab_puts_specials_first_in_a_fixed_order():
    v = Vocab.from_text("hello")
    assert v.itos[:4] == ["<pad>", "<bos>", "<end>", "<unk>"]
    assert (v.pad_id, v.bos_id, v.end_id, v.unk_id) == (0, 1, 2, 3)
    assert v.itos[4:] == ["e", "h", "l", "o"] and len(v) == 8


def test_vocab_encode_decode_round_trip_with_bos_and_end():
    v = Vocab.from_text("hello world")
    ids = v.encode("hello", add_bos=True, add_end=True)
    assert ids[0] == v.bos_id and ids[-1] == v.end_id
    assert v.decode(ids) == "hello"
    assert v.decode(ids + v.encode("xx", allow_unk=True)) == "hello"  # stops at <end>


def test_vocab_unknown_token_raises_unless_unk_is_allowed():
    v = Vocab.from_text("hello")
    with pytest.raises(VocabError, match=r"token 'z' at position 2 is not in the vocabulary"):
        v.encode("hez")
    assert v.encode("hez", allow_unk=True)[-1] == v.unk_id


def test_vocab_decode_refuses_ids_outside_the_vocabulary():
    v = Vocab.from_text("ab")
    with pytest.raises(VocabError, match=r"outside the vocabulary \[0, 6\)"):
        v.decode([4, 6])
    with pytest.raises(VocabError):
        v.decode([-1])


def test_vocab_without_specials_has_no_special_ids():
    v = Vocab.from_text("ab", specials=())
    assert len(v) == 2
    with pytest.raises(VocabError, match="no <end> token"):
        _ = v.end_id


def test_vocab_survives_a_dict_round_trip():
    v = Vocab(["the", "cat"])
    assert Vocab.from_dict(v.to_dict()) == v


def test_load_corpus_checks_size_and_sha256():
    text = load_corpus("tinyshakespeare")
    info = CORPORA["tinyshakespeare"]
    assert len(text.encode()) == info.n_bytes
    assert hashlib.sha256(text.encode()).hexdigest() == info.sha256
    assert len(set(text)) == 65


def test_load_corpus_refuses_a_corrupted_file(tmp_path):
    src = load_corpus("tinyshakespeare")
    damaged = src[:-1] + ("X" if src[-1] != "X" else "Y")  # same size, one byte changed
    (tmp_path / "tinyshakespeare.txt").write_text(damaged)
    with pytest.raises(ChecksumError, match="SHA-256"):
        load_corpus("tinyshakespeare", root=tmp_path)
    (tmp_path / "tinyshakespeare.txt").write_text(src[:1000])
    with pytest.raises(ChecksumError, match="bytes"):
        load_corpus("tinyshakespeare", root=tmp_path)


def test_load_corpus_missing_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DataFileError, match=str(tmp_path)):
        load_corpus("tinyshakespeare")
    assert issubclass(DataFileError, FileNotFoundError)


def test_load_corpus_unknown_name_lists_known_ones():
    with pytest.raises(KeyError, match="tinyshakespeare"):
        load_corpus("war_and_peace")


def test_data_dir_env_points_at_another_copy(tmp_path, monkeypatch, root):
    shutil.copy(root / "src" / "course_lib" / "data" / "files" / "tinyshakespeare.txt", tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert load_corpus().startswith("First Citizen")


def test_split_text_is_90_10_at_the_character_level():
    train, val = split_text("a" * 100)
    assert (len(train), len(val)) == (90, 10)
    with pytest.raises(ValueError):
        split_text("abc", val_fraction=1.0)


def test_one_hot_refuses_float_and_out_of_range_ids():
    assert one_hot(np.array([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(VocabError):
        one_hot(np.array([3]), 3)
    with pytest.raises(TypeError):
        one_hot(np.array([0.0]), 3)
