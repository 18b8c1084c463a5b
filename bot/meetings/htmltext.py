"""HTML (the AI summary's note) to plain text with the standard library's HTML parser, never a regex.

Paragraphs, headings, line breaks and list items become separate lines; list items get a bullet
(``•``, or ``1.`` in an ordered list) and two spaces of indent per level of nesting; entities are
decoded; ``script``, ``style`` and other non-text elements are dropped with their content; runs of
whitespace inside a line collapse to one space; empty lines are dropped. Unclosed or stray tags are
tolerated as browsers tolerate them. The result is meeting text: escape it like any other.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements whose content is never text a person should read.
HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object", "svg", "math",
                    "textarea", "select"})
# Elements that start and end a line of their own.
BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "blockquote",
                    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "thead", "tbody", "tr", "dl", "dt", "dd",
                    "figure", "figcaption", "address", "details", "summary", "fieldset", "hr", "li", "ul", "ol"})
LISTS = ("ul", "ol")


class _Text(HTMLParser):
    """Collects the lines of an HTML fragment (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._words: list[str] = []
        self._hidden: list[str] = []  # open hidden elements (their content is skipped)
        self._lists: list[list] = []  # open lists: [tag, items so far]
        self._bullet = ""  # the bullet waiting for the list item's first words

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN:
            self._hidden.append(tag)
        elif self._hidden:
            return
        elif tag == "br":
            self._flush()
        elif tag in LISTS:
            self._flush()
            self._lists.append([tag, 0])
        elif tag == "li":
            self._flush()
            if not self._lists:  # a stray <li>: a bullet list of its own
                self._lists.append(["ul", 0])
            self._lists[-1][1] += 1
            kind, count = self._lists[-1]
            self._bullet = "  " * (len(self._lists) - 1) + (f"{count}. " if kind == "ol" else "• ")
        elif tag in BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if not self._hidden and tag in ("br", "hr"):
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            if tag in self._hidden:  # close it and anything left open inside it
                del self._hidden[len(self._hidden) - 1 - self._hidden[::-1].index(tag):]
            return
        if self._hidden:
            return
        if tag in LISTS:
            self._flush()
            kinds = [kind for kind, _ in self._lists]
            if tag in kinds:  # close it and any list left unclosed inside it
                del self._lists[len(kinds) - 1 - kinds[::-1].index(tag):]
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._words.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._words).split())
        self._words = []
        if line:
            self.lines.append(self._bullet + line)
            self._bullet = ""

    def text(self) -> str:
        """The collected lines, one per paragraph or list item."""
        self._flush()
        return "\n".join(self.lines)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: one line per paragraph or list item, entities decoded, scripts dropped."""
    parser = _Text()
    parser.feed(markup or "")
    parser.close()
    return parser.text()
