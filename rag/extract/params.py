"""The answer stage's weights and thresholds (:class:`AnswerParams`) and the names of its features."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONFIDENCE_FEATURES", "DEFAULT_PARAMS", "SENTENCE_FEATURES", "SPAN_FEATURES", "AnswerParams"]

SENTENCE_FEATURES = ("dense", "keyword", "context", "rank", "type", "focus", "bigram", "frame")
SPAN_FEATURES = ("fit", "left", "right", "near", "overlap", "too_long")
CONFIDENCE_FEATURES = ("dense", "keyword", "context", "missing", "span")


@dataclass(frozen=True)
class AnswerParams:
    """Weights and thresholds of the answer stage (see the module doc). Each weight tuple pairs with the
    feature names above:

    sentence   dense    cosine(question vector, sentence vector)
               keyword  IDF-weighted share of the question's terms found in the sentence (sub-words: partly)
               context  the same share in the sentence's passage with its title
               rank     1 / rank of the passage
               type     the sentence holds a number / date / name of the kind asked for (regexes only)
               focus    like keyword, over the terms that the article's title does not have (inside an article
                        the title's words are everywhere; the others pick the sentence)
               bigram   share of the question's character bigrams (outside the title) found in the sentence
               frame    the question's neighbour words around its question phrase occur in the sentence
    span       fit      the candidate's kind fits the question's (0..1, units included)
               left     a word that precedes the question phrase ends right before the candidate
               right    a word that follows the question phrase starts right after it
               near     IDF-weighted closeness of the question's terms to the candidate in the sentence
               overlap  share of the candidate's characters that the question itself has (answers rarely
                        repeat the question)
               too_long characters beyond a typical length for the kind, / 10
    confidence logistic on the best sentence's dense, keyword, context, missing (IDF of the rarest question
               term absent from its passage, / the IDF of an unseen word) and its best span score
    """

    # weights: coordinate ascent on CMRC 2018 dev (1000 questions; benchmarks/answers.py --tune); confidence:
    # logistic regression, positives vs off-corpus negatives (benchmarks/calibrate_no_answer.py)
    sentences: int = 4  # best sentences read closely for a short answer
    sentence_weights: tuple[float, ...] = (4.4, 0.0, 1.62, 0.887, 0.1392, 0.5198, 0.4489, 0.1663)
    span_weights: tuple[float, ...] = (1.197, 1.44, 1.8956, 0.2228, -0.5569, 0.0)
    w_span: float = 0.2778  # final sentence score = sentence score + w_span * its best span's score
    confidence_bias: float = -44.3027
    confidence_weights: tuple[float, ...] = (46.3259, 0.4896, 5.0864, -1.7425, 0.267)
    threshold: float = 0.2048  # confidence below this: no answer (refuses 95% of off-corpus questions)
    agree_margin: float = 1.0  # alternatives: final score within this of the best
    max_citations: int = 3
    closest: int = 3  # passages offered when there is no answer


DEFAULT_PARAMS = AnswerParams()
