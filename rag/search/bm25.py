"""Keyword retrieval: a jieba tokenizer for Simplified Chinese + ASCII, and a BM25 index over it.

Texts reaching this module are already Simplified (OpenCC runs earlier); nothing here converts scripts.

Tokenization (:class:`KeywordTokenizer`)
    * Number expressions are cut out before jieba sees the text and kept whole, with their units:
      ``3.2%``, ``926.18亿元``, ``1-9月``, ``2020年``, ``12.5万``. Each also yields its bare number
      (``926.18``) and, after a magnitude (万/亿/千/百…), the number with that magnitude (``926.18亿``),
      so a question saying ``926.18亿`` still matches ``926.18亿元``. Thousands separators are dropped and
      range marks (``-~至到``…) become ``-`` in the token text.
    * ASCII words (``GDP``, ``5G``, ``COVID-19``) are cut out too and lowercased; joined words also yield
      their parts (``covid``, ``19``).
    * Everything else goes through jieba's search mode on the tokenizer's *own* ``jieba.Tokenizer``
      (created on first use; the global ``jieba`` dictionary is never touched), so long words also yield
      their dictionary sub-words (``秦皇岛`` -> ``秦皇``, ``秦皇岛``).
    * Punctuation, whitespace and a built-in stopword list (function words and question words such as
      ``什么 哪里 多少 如何 吗 请问``, which never appear in answers) are dropped.
    * Full-width digits and Latin letters are read as their ASCII forms.

    Tokens are normalised forms; ``tokenize_with_offsets`` gives for each the ``[start, end)`` span of the
    text it came from, so ``text[start:end]`` equals the token up to that normalisation (case, width,
    thousands separators, range marks). Search-mode tokens overlap.

Index (:class:`KeywordIndex`)
    BM25 scores are computed by ``bm25s`` (method, k1, b, delta configurable) into a term x document
    sparse matrix; queries are scored against it directly with numpy (each distinct query term counts
    once). ``add``/``remove`` rebuild the whole matrix from stored term counts (fine for corpora of a few
    thousand documents; batch your changes). ``save`` writes ``keyword.npz`` (numeric arrays only, read
    back with ``allow_pickle=False``) and ``keyword.json`` (parameters, doc ids, vocabulary, tokenizer
    signature, checksum of the arrays). No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from rag.errors import IndexMismatchError, IndexMissingError
from vectorstore.base import read_checked_blob, read_checked_meta, write_atomic

if TYPE_CHECKING:
    import jieba

__all__ = [
    "BM25_METHODS",
    "DEFAULT_STOPWORDS",
    "DOMAIN_WORDS",
    "TOKENIZER_VERSION",
    "BM25Params",
    "KeywordIndex",
    "KeywordTokenizer",
    "default_tokenizer",
]

# Bump when tokenizer output changes for the same input: saved indexes record it and refuse to load.
TOKENIZER_VERSION = 1

# Function words and question words. Question words matter most: they fill questions and never answers.
DEFAULT_STOPWORDS: frozenset[str] = frozenset(
    """
    的 地 得 之 了 着 过 是 在 和 与 及 以及 或 或者 等 等等 也 都 而 而且 并 并且
    对 对于 将 把 被 从 以 其 于 第
    这 那 这个 那个 这些 那些 这里 那里 这样 那样 这是 那是 就是 还是 也是 都是 而是 只是 正是
    此 该 有 为 为了 一个 一些 一种 个 些
    我 我们 你 你们 您 他 他们 她 她们 它 它们 自己 咱们
    向 给 让 使 由 跟 同 但 但是 就 还 又 再 却 则 即 所 因为 所以 如果 虽然 因此 已 已经 曾 曾经
    会 能 可 可以 要 应 应该 不 没 没有 很 更 最 非常 比较 一下 一起 一样
    什么 啥 什么样 哪 哪里 哪儿 哪个 哪些 哪位 哪家 哪年 哪天 哪一 哪一年 谁 多少 几 几个 几年 几次
    怎么 怎么样 怎样 如何 为什么 为何 何 何时 何地 何处 多久 多长 多大 多高 多远 多
    吗 呢 吧 啊 呀 嘛 么 哦 啦 呗 请问 请 问 是否 是不是 有没有 能否 可否 告诉 知道 想 请教 时候
    a an the of in on at to for and or is are was were be been by with as from that this these those
    what which who whom whose when where why how does do did
    """.split()
)

# A few compounds that jieba's default dictionary splits badly (e.g. 碳中和 -> 碳中 + 和).
# Search mode still yields their dictionary sub-words, so adding them only adds tokens.
DOMAIN_WORDS: tuple[str, ...] = tuple(
    """
    十三五 一带一路 粤港澳大湾区 大湾区 新冠肺炎 新冠病毒 新冠疫情 脱贫攻坚 精准扶贫 乡村振兴 复工复产
    疫情防控 供给侧 高质量发展 两个维护 四个意识 四个自信 营商环境 碳达峰 碳中和 核酸检测 中欧班列
    自贸试验区 雄安新区 进博会
    """.split()
)

_MAGNITUDES = ("万亿", "亿", "万", "千", "百")
_UNITS = (
    # Longest first so the regex alternation prefers them.
    "平方公里 平方千米 平方米 立方米 百分点 万亿 公里 千米 千克 公斤 公顷 美元 港元 欧元 日元 英镑 "
    "人民币 小时 分钟 季度 年度 月份 人次 架次 亿 万 千 百 元 % ‰ ℃ 度 年 月 日 号 时 分 秒 天 周 岁 "
    "个 人 次 件 家 项 吨 米 克 斤 亩 倍 户 名 辆 套 台 座 条 篇 部 所 只 头 张 届 批 期 场 起 例 份 "
    "支 间 层 栋 株 处 多 余"
).split()
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUM_CORE = r"(?>[0-9]+(?:,[0-9]{3}(?![0-9]))*(?:\.[0-9]+)?)"
_RANGE_MARKS = "-~～—–－至到"
_PROTECTED_RE = re.compile(
    rf"(?<![A-Za-z0-9.])(?P<num>{_NUM_CORE}(?:[{_RANGE_MARKS}]{_NUM_CORE})?)(?![A-Za-z0-9])"
    rf"(?P<unit>(?:{_UNIT_RE}){{0,4}})"
    r"|(?P<word>[A-Za-z0-9]+(?:[-_.+&'][A-Za-z0-9]+)*)"
)
_RANGE_TABLE = str.maketrans(dict.fromkeys(_RANGE_MARKS, "-") | {",": None})
_WORD_PARTS_RE = re.compile(r"[A-Za-z0-9]+")
# Full-width digits, Latin letters, ％ and ． -> ASCII: one char to one char, so offsets stay valid.
_WIDTH_TABLE = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_WIDTH_TABLE |= {c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)}
_WIDTH_TABLE |= {c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}
_WIDTH_TABLE |= {0xFF05: ord("%"), 0xFF0E: ord(".")}

Token = tuple[str, int, int]


class KeywordTokenizer:
    """Search-mode tokenizer for Simplified Chinese + ASCII; see the module docstring for the rules.

    Owns a private ``jieba.Tokenizer`` built lazily on first use (about a second: jieba loads its
    dictionary, from its cache in ``cache_dir`` or the system temp directory). Thread-safe.
    """

    def __init__(
        self,
        *,
        stopwords: Iterable[str] | None = None,
        user_words: Iterable[str] | None = None,
        hmm: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self._stopwords = DEFAULT_STOPWORDS if stopwords is None else frozenset(stopwords)
        self._user_words = DOMAIN_WORDS if user_words is None else tuple(user_words)
        self._hmm = hmm
        self._cache_dir = cache_dir
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def stopwords(self) -> frozenset[str]:
        return self._stopwords

    @property
    def signature(self) -> str:
        """Identifies this tokenizer's behaviour; an index built with another signature will not load."""
        spec = json.dumps(
            [TOKENIZER_VERSION, sorted(self._stopwords), list(self._user_words), self._hmm],
            ensure_ascii=False,
        )
        return f"v{TOKENIZER_VERSION}-{hashlib.sha256(spec.encode('utf-8')).hexdigest()[:16]}"

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` for indexing or querying, in text order (duplicates kept)."""
        return [token for token, _, _ in self.tokenize_with_offsets(text)]

    def tokenize_with_offsets(self, text: str) -> list[Token]:
        """``(token, start, end)`` triples, offsets into ``text``, sorted by ``(start, end)``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        norm = text.translate(_WIDTH_TABLE)
        out: list[Token] = []
        pos = 0
        for match in _PROTECTED_RE.finditer(norm):
            if match.start() > pos:
                out.extend(self._segment(norm, pos, match.start()))
            out.extend(self._protected(match))
            pos = match.end()
        if pos < len(norm):
            out.extend(self._segment(norm, pos, len(norm)))
        out = [t for t in out if t[0] not in self._stopwords]
        out.sort(key=lambda t: (t[1], t[2]))
        return out

    def _segment(self, text: str, start: int, end: int) -> Iterator[Token]:
        """jieba search-mode tokens of ``text[start:end]`` (no ASCII letters or digits in there)."""
        chunk = text[start:end]
        if not any(ch.isalnum() for ch in chunk):
            return
        for word, s, e in self._tokenizer().tokenize(chunk, mode="search", HMM=self._hmm):
            if any(ch.isalnum() for ch in word):
                yield word.strip().lower(), start + s, start + e

    @staticmethod
    def _protected(match: re.Match[str]) -> Iterator[Token]:
        if match.group("word") is not None:
            word = match.group("word")
            start = match.start()
            yield word.lower(), start, match.end()
            parts = list(_WORD_PARTS_RE.finditer(word))
            if len(parts) > 1:
                for part in parts:
                    yield part.group().lower(), start + part.start(), start + part.end()
            return
        number = match.group("num").translate(_RANGE_TABLE)
        unit = match.group("unit")
        start, num_end = match.span("num")
        if unit:
            yield number + unit, start, match.end()
            about = unit[: len(unit) - len(unit.lstrip("多余"))]  # 3000多万元: "more than"
            magnitude = next((m for m in _MAGNITUDES if unit.startswith(m, len(about))), "")
            if magnitude and about + magnitude != unit:
                prefix = about + magnitude
                yield number + prefix, start, num_end + len(prefix)
        yield number, start, num_end

    def jieba(self) -> jieba.Tokenizer:
        """The private jieba tokenizer (loaded on first use); read-only to callers."""
        return self._tokenizer()

    def _tokenizer(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._build_jieba()
        return self._jieba

    def _build_jieba(self) -> jieba.Tokenizer:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)  # its "Building prefix dict ..." chatter
        tok = jieba.Tokenizer()
        if self._cache_dir is not None:
            Path(self._cache_dir).mkdir(parents=True, exist_ok=True)
            tok.tmp_dir = str(self._cache_dir)
        tok.initialize()
        for word in self._user_words:
            tok.add_word(word)
        return tok


@cache
def default_tokenizer() -> KeywordTokenizer:
    """A process-wide shared :class:`KeywordTokenizer` with the default settings (created on first call)."""
    return KeywordTokenizer()


BM25_METHODS = ("robertson", "lucene", "atire", "bm25l", "bm25+")
_NEEDS_NONOCCURRENCE = ("bm25l", "bm25+")


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    delta: float = 0.5  # only used by bm25l and bm25+
    method: str = "lucene"

    def __post_init__(self) -> None:
        if self.method not in BM25_METHODS:
            raise ValueError(
                f"unknown BM25 method {self.method!r}; expected one of {', '.join(BM25_METHODS)}"
            )
        for name in ("k1", "b", "delta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if self.k1 < 0 or not 0 <= self.b <= 1 or self.delta < 0:
            raise ValueError(f"BM25 needs k1 >= 0, 0 <= b <= 1, delta >= 0; got {self}")


@dataclass(frozen=True)
class _Matrix:
    """BM25 weights, CSC term x document: term ``t`` covers ``indices/data[indptr[t]:indptr[t+1]]``."""

    data: np.ndarray  # float32
    indices: np.ndarray  # int32 document positions
    indptr: np.ndarray  # int64, n_terms + 1
    nonoccurrence: np.ndarray | None  # float32 per term, bm25l/bm25+ only


INDEX_FILE = "keyword.npz"
META_FILE = "keyword.json"
_FORMAT = "rag-news/keyword-index"
_FORMAT_VERSION = 1


class KeywordIndex:
    """BM25 over ``(doc_id, simplified_text)`` documents. Not safe to mutate from several threads at once."""

    def __init__(
        self,
        docs: Iterable[tuple[str, str]] = (),
        *,
        tokenizer: KeywordTokenizer | None = None,
        params: BM25Params | None = None,
    ) -> None:
        self._tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        self._last_query: tuple[str, list[int]] | None = None  # scoring, then each hit's matched terms
        self._params = params if params is not None else BM25Params()
        self._doc_ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._vocab: list[str] = []
        self._term_ids: dict[str, int] = {}
        self._doc_terms: list[np.ndarray] = []  # per doc: sorted distinct term ids (int32)
        self._doc_counts: list[np.ndarray] = []  # per doc: their counts (int32)
        self._matrix = _empty_matrix(0)
        self.add(docs)

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[str, str]],
        *,
        tokenizer: KeywordTokenizer | None = None,
        params: BM25Params | None = None,
    ) -> Self:
        """Same as the constructor: an index over ``(doc_id, simplified_text)`` pairs."""
        return cls(docs, tokenizer=tokenizer, params=params)

    # ------------------------------------------------------------------ properties
    @property
    def tokenizer(self) -> KeywordTokenizer:
        return self._tokenizer

    @property
    def bm25_params(self) -> BM25Params:
        return self._params

    def params(self) -> dict[str, Any]:
        """JSON-ready settings (BM25 parameters + tokenizer signature), e.g. for an index manifest."""
        return {**asdict(self._params), "tokenizer": self._tokenizer.signature}

    @property
    def doc_ids(self) -> tuple[str, ...]:
        """Document ids in index order: the order of :meth:`scores`."""
        return tuple(self._doc_ids)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    def __len__(self) -> int:
        return len(self._doc_ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pos

    def __repr__(self) -> str:
        return f"KeywordIndex(docs={len(self)}, terms={len(self._vocab)}, method={self._params.method!r})"

    # ------------------------------------------------------------------ mutation
    def add(self, docs: Iterable[tuple[str, str]]) -> None:
        """Tokenize and add documents, then rebuild the BM25 matrix. Ids must be new, non-empty strings."""
        batch = list(docs)
        if not batch:
            return
        seen: set[str] = set()
        for item in batch:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise TypeError("documents must be (doc_id, text) pairs")
            doc_id, text = item
            if not isinstance(doc_id, str) or not doc_id:
                raise ValueError(f"doc_id must be a non-empty str, got {doc_id!r}")
            if not isinstance(text, str):
                raise TypeError(f"text of {doc_id!r} must be str, got {type(text).__name__}")
            if doc_id in self._pos or doc_id in seen:
                raise ValueError(f"duplicate doc_id {doc_id!r}")
            seen.add(doc_id)
        tokenized = [self._tokenizer.tokenize(text) for _, text in batch]
        for (doc_id, _), tokens in zip(batch, tokenized, strict=True):
            terms, counts = self._count_terms(tokens)
            self._pos[doc_id] = len(self._doc_ids)
            self._doc_ids.append(doc_id)
            self._doc_terms.append(terms)
            self._doc_counts.append(counts)
        self._rebuild()

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (unknown ids are ignored), rebuild, and return how many were removed."""
        gone = {d for d in doc_ids if d in self._pos}
        if not gone:
            return 0
        keep = [i for i, d in enumerate(self._doc_ids) if d not in gone]
        self._doc_ids = [self._doc_ids[i] for i in keep]
        self._doc_terms = [self._doc_terms[i] for i in keep]
        self._doc_counts = [self._doc_counts[i] for i in keep]
        self._pos = {d: i for i, d in enumerate(self._doc_ids)}
        self._compact_vocab()
        self._rebuild()
        return len(gone)

    def _count_terms(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct term ids of ``tokens`` (new terms join the vocabulary) and their counts."""
        ids = np.empty(len(tokens), dtype=np.int64)
        for i, token in enumerate(tokens):
            term = self._term_ids.get(token)
            if term is None:
                term = self._term_ids[token] = len(self._vocab)
                self._vocab.append(token)
            ids[i] = term
        terms, counts = np.unique(ids, return_counts=True)
        return terms.astype(np.int32), counts.astype(np.int32)

    def _compact_vocab(self) -> None:
        """Drop terms no document uses any more, keeping the others' relative order."""
        used = np.zeros(len(self._vocab), dtype=bool)
        for terms in self._doc_terms:
            used[terms] = True
        if used.all():
            return
        remap = np.cumsum(used, dtype=np.int64) - 1
        self._vocab = [t for t, u in zip(self._vocab, used, strict=True) if u]
        self._term_ids = {t: i for i, t in enumerate(self._vocab)}
        self._doc_terms = [remap[terms].astype(np.int32) for terms in self._doc_terms]

    def _rebuild(self) -> None:
        self._matrix = _bm25_matrix(self._params, len(self._vocab), self._doc_terms, self._doc_counts)

    # ------------------------------------------------------------------ queries
    def query_terms(self, query: str) -> list[str]:
        """The query's distinct tokens that occur in the index, in query order."""
        return [self._vocab[t] for t in self._query_term_ids(query)]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (``float32``, in :attr:`doc_ids` order); 0 where no term matches.

        (With bm25l/bm25+ every document also gets a per-term constant, so non-matching ones are not 0.)
        """
        return self._score(self._query_term_ids(query))[0]

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """Up to ``k`` ``(doc_id, score)`` pairs, best first, among documents matching a query term."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        scores, matched = self._score(self._query_term_ids(query))
        hits = np.flatnonzero(matched)
        if hits.size == 0:
            return []
        order = hits[np.argsort(-scores[hits], kind="stable")[:k]]
        return [(self._doc_ids[i], float(scores[i])) for i in order]

    def matched_terms(self, query: str, doc_id: str) -> list[str]:
        """The query's tokens that occur in document ``doc_id`` (``KeyError`` if unknown), in query order."""
        pos = self._pos[doc_id]
        terms = self._doc_terms[pos]
        wanted = self._query_term_ids(query)
        present = np.isin(np.asarray(wanted, dtype=np.int32), terms)
        return [self._vocab[t] for t, ok in zip(wanted, present, strict=True) if ok]

    def document_frequency(self, term: str) -> int:
        """How many documents hold ``term`` (a token as :meth:`KeywordTokenizer.tokenize` makes it)."""
        t = self._term_ids.get(term)
        return 0 if t is None else int(self._matrix.indptr[t + 1] - self._matrix.indptr[t])

    def _query_term_ids(self, query: str) -> list[int]:
        if not isinstance(query, str):
            raise TypeError(f"query must be str, got {type(query).__name__}")
        last = self._last_query  # one question is tokenized once for its scores and all its hits' terms
        if last is not None and last[0] == query:
            return last[1]
        ids = (self._term_ids.get(t) for t in self._tokenizer.tokenize(query))
        term_ids = list(dict.fromkeys(i for i in ids if i is not None))
        self._last_query = (query, term_ids)  # one assignment: threads see the old pair or the new one
        return term_ids

    def _score(self, term_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        m = self._matrix
        scores = np.zeros(len(self._doc_ids), dtype=np.float32)
        matched = np.zeros(len(self._doc_ids), dtype=bool)
        for t in term_ids:
            lo, hi = m.indptr[t], m.indptr[t + 1]
            docs = m.indices[lo:hi]
            scores[docs] += m.data[lo:hi]  # a term lists each document once: no duplicate indices
            matched[docs] = True
        if m.nonoccurrence is not None and term_ids:
            scores += m.nonoccurrence[term_ids].sum(dtype=np.float32)
        return scores, matched

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        """Write ``keyword.npz`` then ``keyword.json`` inside ``directory`` (each via temp file + replace)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        blob = self._arrays_blob()
        write_atomic(directory / INDEX_FILE, blob)
        meta = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "params": asdict(self._params),
            "tokenizer": self._tokenizer.signature,
            "bm25s_version": _bm25s_version(),
            "n_docs": len(self._doc_ids),
            "n_terms": len(self._vocab),
            "index_file": INDEX_FILE,
            "index_bytes": len(blob),
            "index_sha256": hashlib.sha256(blob).hexdigest(),
            "doc_ids": self._doc_ids,
            "vocab": self._vocab,
        }
        text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n"
        write_atomic(directory / META_FILE, text.encode("utf-8"))

    def _arrays_blob(self) -> bytes:
        m = self._matrix
        lengths = np.array([t.size for t in self._doc_terms], dtype=np.int64)
        arrays = {
            "bm25_data": m.data,
            "bm25_indices": m.indices,
            "bm25_indptr": m.indptr,
            "bm25_nonoccurrence": m.nonoccurrence if m.nonoccurrence is not None else np.zeros(0, np.float32),
            "tf_indptr": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "tf_terms": _concat(self._doc_terms, np.int32),
            "tf_counts": _concat(self._doc_counts, np.int32),
        }
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # numeric arrays only: nothing is pickled (load uses allow_pickle=False)
        return buf.getvalue()

    @classmethod
    def load(cls, directory: Path, *, tokenizer: KeywordTokenizer | None = None) -> Self:
        """Read an index written by :meth:`save`.

        Raises ``IndexMissingError`` if ``keyword.json`` is absent and ``IndexMismatchError`` if the files are
        corrupt, from another format, or were built with a tokenizer of another signature.
        """
        directory = Path(directory)
        tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        meta = _read_meta(directory)
        if meta["tokenizer"] != tokenizer.signature:
            raise _mismatch(
                directory, f"built with tokenizer {meta['tokenizer']}, this code uses {tokenizer.signature}"
            )
        try:
            params = BM25Params(**meta["params"])
        except (TypeError, ValueError) as exc:
            raise _mismatch(directory, f"invalid BM25 parameters ({exc})") from exc
        arrays = _read_arrays(directory, meta)
        index = cls(tokenizer=tokenizer, params=params)
        index._adopt(meta, arrays, directory)
        return index

    def _adopt(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], directory: Path) -> None:
        n_docs, n_terms = meta["n_docs"], meta["n_terms"]
        doc_ids, vocab = meta["doc_ids"], meta["vocab"]
        try:
            _check_arrays(arrays, n_docs, n_terms, self._params.method in _NEEDS_NONOCCURRENCE)
        except ValueError as exc:
            raise _mismatch(directory, f"{INDEX_FILE} is inconsistent: {exc}") from exc
        if len(doc_ids) != n_docs or len(set(doc_ids)) != n_docs or len(vocab) != n_terms:
            raise _mismatch(directory, f"{META_FILE} doc ids or vocabulary do not match their counts")
        if len(set(vocab)) != n_terms or not all(isinstance(x, str) for x in [*doc_ids, *vocab]):
            raise _mismatch(directory, f"{META_FILE} holds duplicate or non-string doc ids or terms")
        bounds = arrays["tf_indptr"]
        self._doc_ids = list(doc_ids)
        self._pos = {d: i for i, d in enumerate(doc_ids)}
        self._vocab = list(vocab)
        self._term_ids = {t: i for i, t in enumerate(vocab)}
        self._doc_terms = [arrays["tf_terms"][bounds[i] : bounds[i + 1]] for i in range(n_docs)]
        self._doc_counts = [arrays["tf_counts"][bounds[i] : bounds[i + 1]] for i in range(n_docs)]
        nonocc = arrays["bm25_nonoccurrence"]
        nonocc = nonocc if self._params.method in _NEEDS_NONOCCURRENCE and nonocc.size else None
        self._matrix = _Matrix(arrays["bm25_data"], arrays["bm25_indices"], arrays["bm25_indptr"], nonocc)


# ---------------------------------------------------------------------- BM25 matrix


def _empty_matrix(n_terms: int) -> _Matrix:
    return _Matrix(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(n_terms + 1, np.int64), None)


def _bm25_matrix(
    params: BM25Params, n_terms: int, doc_terms: list[np.ndarray], doc_counts: list[np.ndarray]
) -> _Matrix:
    """Term x document BM25 weights from per-document term counts, computed by bm25s."""
    if not doc_terms or n_terms == 0:
        return _empty_matrix(n_terms)
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on its logger at import
    bm = bm25s.BM25(
        k1=params.k1, b=params.b, delta=params.delta, method=params.method,
        dtype="float32", int_dtype="int32", backend="numpy", csc_backend="scipy",
    )  # fmt: skip
    corpus = [np.repeat(t, c).tolist() for t, c in zip(doc_terms, doc_counts, strict=True)]
    vocab = {i: i for i in range(n_terms)}  # token ids are already dense 0..n_terms-1
    bm.index((corpus, vocab), create_empty_token=False, show_progress=False)
    nonocc = bm.nonoccurrence_array if params.method in _NEEDS_NONOCCURRENCE else None
    return _Matrix(
        np.ascontiguousarray(bm.scores["data"], dtype=np.float32),
        np.ascontiguousarray(bm.scores["indices"], dtype=np.int32),
        np.ascontiguousarray(bm.scores["indptr"], dtype=np.int64),
        None if nonocc is None else np.ascontiguousarray(nonocc, dtype=np.float32),
    )


def _bm25s_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bm25s")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


# ---------------------------------------------------------------------- files

_ARRAY_DTYPES = {
    "bm25_data": np.float32,
    "bm25_indices": np.int32,
    "bm25_indptr": np.int64,
    "bm25_nonoccurrence": np.float32,
    "tf_indptr": np.int64,
    "tf_terms": np.int32,
    "tf_counts": np.int32,
}


def _mismatch(directory: Path, detail: str) -> IndexMismatchError:
    return IndexMismatchError(f"keyword index at {directory} is unusable: {detail}; rebuild the index")


def _read_meta(directory: Path) -> dict[str, Any]:
    fields = {
        "params": dict, "tokenizer": str, "n_docs": int, "n_terms": int,
        "index_bytes": int, "index_sha256": str, "doc_ids": list, "vocab": list,
    }  # fmt: skip
    return read_checked_meta(
        directory / META_FILE,
        fmt=_FORMAT,
        version=_FORMAT_VERSION,
        fields=fields,
        missing=lambda: IndexMissingError(
            f"no keyword index at {directory} ({META_FILE} is missing); build the index"
        ),
        mismatch=lambda detail: _mismatch(directory, detail),
        description="keyword index description",
    )


def _read_arrays(directory: Path, meta: dict[str, Any]) -> dict[str, np.ndarray]:
    blob = read_checked_blob(
        directory / INDEX_FILE, meta["index_bytes"], meta["index_sha256"], lambda d: _mismatch(directory, d)
    )
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            missing = sorted(set(_ARRAY_DTYPES) - set(npz.files))
            if missing:
                raise ValueError(f"missing arrays {', '.join(missing)}")
            arrays = {name: npz[name] for name in _ARRAY_DTYPES}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise _mismatch(directory, f"{INDEX_FILE} cannot be read ({exc})") from exc
    for name, dtype in _ARRAY_DTYPES.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != 1:
            raise _mismatch(directory, f"{INDEX_FILE} array {name} has dtype {arrays[name].dtype}")
    return arrays


def _check_arrays(a: dict[str, np.ndarray], n_docs: int, n_terms: int, needs_nonocc: bool) -> None:
    """Raise ``ValueError`` unless the arrays form a consistent index of this size."""
    _check_indptr(a["bm25_indptr"], n_terms, a["bm25_data"].size, "bm25_indptr")
    if a["bm25_indices"].size != a["bm25_data"].size:
        raise ValueError("bm25_indices and bm25_data differ in length")
    if a["bm25_indices"].size and not 0 <= a["bm25_indices"].min() <= a["bm25_indices"].max() < n_docs:
        raise ValueError("bm25_indices out of range")
    if needs_nonocc and a["bm25_nonoccurrence"].size != n_terms and n_docs and n_terms:
        raise ValueError("bm25_nonoccurrence has the wrong length")
    _check_indptr(a["tf_indptr"], n_docs, a["tf_terms"].size, "tf_indptr")
    if a["tf_counts"].size != a["tf_terms"].size:
        raise ValueError("tf_counts and tf_terms differ in length")
    if a["tf_terms"].size and not 0 <= a["tf_terms"].min() <= a["tf_terms"].max() < n_terms:
        raise ValueError("tf_terms out of range")
    if a["tf_counts"].size and a["tf_counts"].min() < 1:
        raise ValueError("tf_counts must be positive")
    if not (np.isfinite(a["bm25_data"]).all() and np.isfinite(a["bm25_nonoccurrence"]).all()):
        raise ValueError("non-finite BM25 weights")


def _check_indptr(indptr: np.ndarray, n: int, total: int, name: str) -> None:
    if indptr.size != n + 1 or indptr[0] != 0 or indptr[-1] != total or (np.diff(indptr) < 0).any():
        raise ValueError(f"{name} is malformed")
