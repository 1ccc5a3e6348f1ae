"""Putting the diacritics back into text a scan lost them from ("trién khai dot sinh
hoat chinh tri, tu twéng" -> "triển khai đợt sinh hoạt chính trị, tư tưởng").

Each word is folded to ASCII, with the letters OCR confuses read as the ones they stand
for ("16i" is "loi", "ciia" is "cua", "twéng" is "tuong"); the written forms the lexicon
knows for it are the candidates; the sequence most likely under the lexicon's pairs of
neighbouring syllables wins (a Viterbi search). A word the lexicon has never seen, or
whose choice the context does not settle, is kept as it was and reported as doubtful:
the issuer confirms or types those before the text goes into a mail."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from services.issuer.documents.lexicon import Lexicon
from shared.slugs import fold

# Digits and signs OCR puts in place of letters, then the letter groups it misreads.
_OCR_LETTERS = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "6": "o", "8": "a",
                              "&": "o", "@": "e", "w": "u", "f": "t"})  # fmt: skip
_OCR_GROUPS = [
    (re.compile(r"ii"), "u"),  # "ciia" for "của"
    (re.compile(r"ir"), "u"),  # "nhirng" for "những"
    (re.compile(r"rn"), "m"),
    (re.compile(r"^[pb](?=[aeiouy])"), "d"),  # "Pang", "Bang" for "Đảng"
    (re.compile(r"(?<=[^n])g(?=[iy]$)"), "a"),  # "dgi", "ngogi" for "đại", "ngoại"
]
_TOKEN = re.compile(r"[\w&@]+")
_LETTERS = "abcdeghiklmnopqrstuvxy"
GUESS = -3.0  # the likelihood of a word read with one letter changed, at most
CANDIDATES = 12  # the likeliest written forms of a word that the search weighs
MARGIN = 2.0  # how much likelier (in log terms) the choice must be than the next one


@dataclass
class Restored:
    """The text with its diacritics back, and the words (as restored, or kept) that
    still need a person's eye."""

    text: str
    doubtful: list[str] = field(default_factory=list)
    words: int = 0  # how many words it had to restore


def _keys(token: str) -> list[tuple[str, float]]:
    """The folded spellings ``token`` may stand for, each with its cost (0 for the token
    as it reads, more for each correction of an OCR misreading)."""
    plain = fold(token).lower()
    read = plain.translate(_OCR_LETTERS)
    keys = {plain: 0.0}
    keys.setdefault(read, 0.5)
    for wrong, right in _OCR_GROUPS:
        corrected = wrong.sub(right, read)
        if corrected != read:
            keys.setdefault(corrected, 1.5)
    return list(keys.items())


def _edits(key: str) -> set[str]:
    """Every spelling one letter away from ``key``."""
    splits = [(key[:i], key[i:]) for i in range(len(key) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + c + b for a, b in splits for c in _LETTERS}
    )


class Restorer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def candidates(self, token: str) -> list[tuple[str, float]]:
        """Written forms (lower case) ``token`` may be, each with the log-likelihood of
        the token given it: the forms of its folded spellings, else of the spellings one
        letter away (a guess: its likelihood is at most ``GUESS``)."""
        forms = self.lexicon.forms
        found: dict[str, float] = {}
        lowered = unicodedata.normalize("NFC", token.lower())
        for key, cost in _keys(token):
            for written in forms.get(key, []):
                bonus = 1.0 if written == lowered else 0.0  # the scan kept its marks
                found[written] = max(found.get(written, -99.0), bonus - cost)
        if not found and len(token) > 2:
            for key, cost in _keys(token):
                for near in _edits(key) & forms.keys():
                    for written in forms[near]:
                        found[written] = max(found.get(written, -99.0), GUESS - cost)
        unigrams = self.lexicon.unigrams
        ranked = sorted(found.items(), key=lambda item: (-item[1], -unigrams[item[0]]))
        return ranked[:CANDIDATES]

    def _pair(self, a: str | None, b: str) -> float:
        """log P(b | a), add-one smoothed towards b's own frequency."""
        lex = self.lexicon
        unigram = (lex.unigrams[b] + 0.1) / (lex.total + 0.1 * len(lex.unigrams))
        if a is None:
            return math.log(unigram)
        return math.log((lex.bigrams[(a, b)] + 2.0 * unigram) / (lex.unigrams[a] + 2.0))

    def restore(self, text: str) -> Restored:
        """``text`` with each restorable word replaced by its best written form."""
        tokens = [m for m in _TOKEN.finditer(text) if _is_word(text, m)]
        options = [self.candidates(m.group()) for m in tokens]
        chosen = self._best_path(tokens, options, text)
        out, last, doubtful = [], 0, []
        for match, choice in zip(tokens, chosen, strict=True):
            out.append(text[last : match.start()])
            original = match.group()
            if choice is None:
                out.append(original)
                doubtful.append(original)
            else:
                word, sure = choice
                written = _cased_like(word, original)
                out.append(written)
                if not sure:
                    doubtful.append(written)
            last = match.end()
        out.append(text[last:])
        return Restored("".join(out), doubtful, len(tokens))

    def _best_path(self, tokens, options, text) -> list[tuple[str, bool] | None]:
        """Per token its written form and whether the context settles it, or None for a
        word the lexicon cannot place. Runs of known words are searched as one chain,
        broken where punctuation or an unknown word stands between two."""
        result: list[tuple[str, bool] | None] = [None] * len(tokens)
        run: list[int] = []

        def close() -> None:
            if run:
                self._viterbi(run, options, result)
            run.clear()

        for i, cands in enumerate(options):
            if not cands:
                close()
                continue
            if run and _CLAUSE_BREAK.search(text[tokens[run[-1]].end() : tokens[i].start()]):
                close()
            run.append(i)
        close()
        return result

    def _viterbi(self, run: list[int], options, result) -> None:
        # best[k][word] = (score, previous word)
        best: list[dict[str, tuple[float, str | None]]] = []
        for position, i in enumerate(run):
            column: dict[str, tuple[float, str | None]] = {}
            for word, likelihood in options[i]:
                if position == 0:
                    column[word] = (likelihood + self._pair(None, word), None)
                    continue
                column[word] = max(
                    (score + likelihood + self._pair(prev, word), prev)
                    for prev, (score, _) in best[-1].items()
                )
            best.append(column)
        word = max(best[-1], key=lambda w: best[-1][w][0])
        path = [word]
        for column in reversed(best[1:]):
            previous = column[word][1]
            assert previous is not None  # every column after the first has a previous word
            word = previous
            path.append(word)
        path.reverse()
        for position, i in enumerate(run):
            result[i] = (path[position], self._settled(path, position, options[i]))

    def _settled(self, path: list[str], position: int, cands: list[tuple[str, float]]) -> bool:
        """Whether the chosen word beats every other candidate, its neighbours fixed, by
        ``MARGIN``; it is a word the lexicon has seen more than once; and, when a letter
        of it was guessed, the lexicon has seen it beside one of its neighbours too."""
        prev = path[position - 1] if position else None
        after = path[position + 1] if position + 1 < len(path) else None
        chosen = path[position]
        if dict(cands)[chosen] <= GUESS:
            seen = self.lexicon.bigrams
            beside = max(seen[(prev, chosen)] if prev else 0, seen[(chosen, after)] if after else 0)
            if beside < 2:
                return False

        def score(word: str, likelihood: float) -> float:
            total = likelihood + self._pair(prev, word)
            return total + (self._pair(word, after) if after else 0.0)

        scores = sorted((score(w, lk) for w, lk in cands), reverse=True)
        if self.lexicon.unigrams[chosen] < 2:
            return False
        return len(scores) == 1 or scores[0] - scores[1] >= MARGIN


_CLAUSE_BREAK = re.compile(r"[^\w\s]")


def _is_word(text: str, match: re.Match[str]) -> bool:
    """A word to restore: letters (or OCR's stand-ins for them), not a number, not part
    of a number-symbol ("101-KH/ĐU"), not an abbreviation in capitals (BTGTU)."""
    token = match.group()
    if token.isdigit() or not any(ch.isalpha() for ch in token):
        return False
    around = text[max(match.start() - 1, 0) : match.start()] + text[match.end() : match.end() + 1]
    if token.isupper() and any(ch in "/-" or ch.isdigit() for ch in around):
        return False
    return not (token.isupper() and len(token) > 1 and not any(c in "AEIOUY" for c in token[1:]))


def _cased_like(word: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[0].isupper() or (original[0] in "PB" and word.startswith("đ")):
        return word[0].upper() + word[1:]
    return word
