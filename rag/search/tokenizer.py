"""The keyword tokenizer: jieba search mode for Simplified Chinese + ASCII, numbers and units kept whole.

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
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jieba import Tokenizer as JiebaTokenizer

__all__ = [
    "DEFAULT_STOPWORDS",
    "DOMAIN_WORDS",
    "TOKENIZER_VERSION",
    "KeywordTokenizer",
    "Token",
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
        self._jieba: JiebaTokenizer | None = None
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

    def jieba(self) -> JiebaTokenizer:
        """The private jieba tokenizer (loaded on first use); read-only to callers."""
        return self._tokenizer()

    def _tokenizer(self) -> JiebaTokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._build_jieba()
        return self._jieba

    def _build_jieba(self) -> JiebaTokenizer:
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
