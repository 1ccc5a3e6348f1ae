"""The Vietnamese a diacritics restorer knows: how often each written syllable and each
pair of neighbouring syllables occurs, counted over properly written Vietnamese of the
product's own domain (``lexicon.json``: the accented seed documents, the report forms,
the mail templates), plus the unit directory's names at run time.

``make lexicon`` (``python -m services.issuer.documents.lexicon``) rebuilds ``lexicon.json``
from ``SOURCES``; ``tests/unit/test_diacritics.py`` fails when it is stale."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from shared.slugs import fold

STORED = Path(__file__).with_name("lexicon.json")
ROOT = Path(__file__).parents[3]
# Properly written Vietnamese of the domain, from the repository's root. Seed 001, the
# scan that lost its diacritics, is left out: it is what the lexicon restores.
SOURCES = (
    "chidao/demo/seeds/000_*.txt",
    "chidao/demo/seeds/002_*.txt",
    "chidao/demo/seeds/003_*.txt",
    "chidao/demo/seeds/004_*.txt",
    "shared/forms/builtin/*.yaml",
    "services/notifier/templates/*.j2",
    "services/reporter/templates/*.j2",
)
_WORD = re.compile(r"[^\W\d_]+")
# a break in the flow of syllables: punctuation, a number, a line's end
_CLAUSE = re.compile(r"[^\w\s]|\d|\n")


# The one-letter words of Vietnamese; any other lone letter is an enumeration's "b)".
_ONE_LETTER = set("àạảãáởớờợỡởýỳyừứửựữ")


def syllables(text: str) -> list[list[str]]:
    """The runs of lower-case syllables of ``text`` between punctuation marks."""
    runs = []
    for clause in _CLAUSE.split(unicodedata.normalize("NFC", text)):
        words = [w.lower() for w in _WORD.findall(clause)]
        words = [w for w in words if len(w) > 1 or w in _ONE_LETTER]
        if words:
            runs.append(words)
    return runs


class Lexicon:
    """Counts of syllables (lower case, NFC) and of neighbouring pairs, and for each
    syllable folded to ASCII the written forms seen with it."""

    def __init__(self, unigrams: Counter[str], bigrams: Counter[tuple[str, str]]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = sum(unigrams.values()) or 1
        self.forms: dict[str, list[str]] = {}
        for word in unigrams:
            self.forms.setdefault(fold(word), []).append(word)
        for written in self.forms.values():
            written.sort(key=lambda w: -unigrams[w])

    @classmethod
    def counted(cls, texts: Iterable[str]) -> Lexicon:
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in texts:
            for run in syllables(text):
                unigrams.update(run)
                bigrams.update(itertools.pairwise(run))
        return cls(unigrams, bigrams)

    def with_names(self, names: Iterable[str]) -> Lexicon:
        """This lexicon and the directory's names (each counted a few times: a name is
        how a unit is written, whatever the documents did)."""
        names = list(names)
        extra = Lexicon.counted(names * 3)
        return Lexicon(self.unigrams + extra.unigrams, self.bigrams + extra.bigrams)

    def as_json(self) -> dict:
        return {
            "unigrams": dict(self.unigrams.most_common()),
            "bigrams": {f"{a} {b}": n for (a, b), n in self.bigrams.most_common()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Lexicon:
        bigrams: Counter[tuple[str, str]] = Counter()
        for pair, n in data["bigrams"].items():
            a, b = pair.split(" ")
            bigrams[(a, b)] = n
        return cls(Counter(data["unigrams"]), bigrams)


@cache
def stored() -> Lexicon:
    return Lexicon.from_json(json.loads(STORED.read_text(encoding="utf-8")))


_JINJA = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
_MARKUP = re.compile(r"<[^>]+>")


def source_text(path: Path) -> str:
    """A file's words: a template without its Jinja and markup."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".j2":
        text = _MARKUP.sub(" ", _JINJA.sub(" ", text))
    return text


def source_files() -> list[Path]:
    return [path for pattern in SOURCES for path in sorted(ROOT.glob(pattern))]


def built() -> Lexicon:
    """The lexicon as ``SOURCES`` make it now."""
    return Lexicon.counted(source_text(path) for path in source_files())


def main() -> None:
    lexicon = built()
    STORED.write_text(json.dumps(lexicon.as_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{STORED}: {len(lexicon.unigrams)} syllables, {len(lexicon.bigrams)} pairs")


if __name__ == "__main__":
    main()
