"""Syntax colouring: Pygments-driven Rust highlighting that follows the palette, and unified diffs."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's base (text background) is dark."""
    pal = palette if palette is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def _pygments_formats(dark: bool) -> dict[Any, QTextCharFormat]:
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:
        style = get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
    except ClassNotFound:
        style = get_style_by_name("monokai" if dark else "default")
    formats: dict[Any, QTextCharFormat] = {}
    for ttype, spec in style:
        if not (spec["color"] or spec["bold"] or spec["italic"]):
            continue
        fmt = QTextCharFormat()
        if spec["color"]:
            fmt.setForeground(QColor("#" + spec["color"]))
        if spec["bold"]:
            fmt.setFontWeight(QFont.Weight.Bold)
        if spec["italic"]:
            fmt.setFontItalic(True)
        formats[ttype] = fmt
    return formats


class RustHighlighter(QSyntaxHighlighter):
    """Lexes the whole document with Pygments (nested comments and raw strings stay right) and
    colours each block from that. A block's state digests the next line's tokens, tagged with
    the lexing pass when that line's tokens changed in it, so Qt keeps re-highlighting through
    every line an edit re-lexed (blank lines included) and stops right after."""

    def __init__(self, document: QTextDocument) -> None:
        from pygments.lexers.rust import RustLexer

        self._lexer = RustLexer(stripnl=False, ensurenl=False)
        self._dark = is_dark()
        self._formats = _pygments_formats(self._dark)
        self._lines: list[list[tuple[int, int, Any]]] = []
        self._pass = 0
        self._changed = range(0)
        # Connected before QSyntaxHighlighter's own slot, so the cache is marked stale before
        # any block is re-highlighted. (document.revision() does not move on setPlainText.)
        stale = self._stale = [True]
        document.contentsChange.connect(lambda *_args: stale.__setitem__(0, True))
        super().__init__(document)

    def follow_palette(self, palette: QPalette) -> None:
        """Switch between the light and dark colour schemes when the palette changes."""
        dark = is_dark(palette)
        if dark != self._dark:
            self._dark = dark
            self._formats = _pygments_formats(dark)
            self._stale[0] = True
            self.rehighlight()

    def _format_for(self, ttype: Any) -> QTextCharFormat | None:
        while ttype is not None:
            fmt = self._formats.get(ttype)
            if fmt is not None:
                return fmt
            ttype = ttype.parent
        return None

    def _relex(self) -> None:
        self._stale[0] = False
        text = self.document().toPlainText()
        lines: list[list[tuple[int, int, Any]]] = [[] for _ in range(text.count("\n") + 1)]
        line = 0
        column = 0
        for _index, ttype, value in self._lexer.get_tokens_unprocessed(text):
            parts = value.split("\n")
            for number, part in enumerate(parts):
                if number:
                    line += 1
                    column = 0
                if part and line < len(lines):
                    # QTextBlock positions count UTF-16 units, Python counts code points.
                    width = len(part.encode("utf-16-le")) // 2
                    lines[line].append((column, width, ttype))
                    column += width
        old = self._lines
        prefix = 0
        limit = min(len(old), len(lines))
        while prefix < limit and old[prefix] == lines[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < limit - prefix
               and old[len(old) - 1 - suffix] == lines[len(lines) - 1 - suffix]):
            suffix += 1
        self._pass += 1
        self._changed = range(prefix, len(lines) - suffix)
        self._lines = lines

    def highlightBlock(self, text: str) -> None:
        if self._stale[0]:
            self._relex()
        number = self.currentBlock().blockNumber()
        if number >= len(self._lines):
            return
        for start, length, ttype in self._lines[number]:
            fmt = self._format_for(ttype)
            if fmt is not None:
                self.setFormat(start, length, fmt)
        following = self._lines[number + 1] if number + 1 < len(self._lines) else []
        tag = self._pass if number + 1 in self._changed else 0
        digest = hash((tag, tuple((s, n, str(t)) for s, n, t in following)))
        self.setCurrentBlockState(digest & 0x3FFFFFFF)


def diff_colours(dark: bool) -> dict[str, QColor]:
    """Backgrounds of added/removed lines and the hunk header colour, for light or dark."""
    if dark:
        return {"+": QColor("#1f4a2c"), "-": QColor("#5a2326"), "@": QColor("#6cb6ff"),
                "h": QColor("#9da5b4")}
    return {"+": QColor("#dcf5e3"), "-": QColor("#fbe0e0"), "@": QColor("#0550ae"),
            "h": QColor("#57606a")}


class DiffHighlighter(QSyntaxHighlighter):
    """Colours a unified diff: added lines green, removed red, hunk headers blue."""

    def __init__(self, document: QTextDocument) -> None:
        self._colours = diff_colours(is_dark())
        super().__init__(document)

    def follow_palette(self, palette: QPalette) -> None:
        self._colours = diff_colours(is_dark(palette))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        fmt = QTextCharFormat()
        if text.startswith(("+++", "---")):
            fmt.setForeground(self._colours["h"])
            fmt.setFontWeight(QFont.Weight.Bold)
        elif text.startswith("@@"):
            fmt.setForeground(self._colours["@"])
        elif text.startswith("+"):
            fmt.setBackground(self._colours["+"])
        elif text.startswith("-"):
            fmt.setBackground(self._colours["-"])
        else:
            return
        self.setFormat(0, len(text.encode("utf-16-le")) // 2, fmt)
