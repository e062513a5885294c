"""The result views: verdict banner, per-function verdicts, one column per role, pattern rewrites."""

from __future__ import annotations

import difflib
import html

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFontDatabase, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.highlight import DiffHighlighter, is_dark
from app.gui.records import (
    ROLE_TITLES,
    VERDICT_TEXT,
    catalog_info,
    confirmation_text,
    diff_changes,
)
from checkers.model import ROLES, CheckResult, Diagnostic, Finding, Triage

#: Verdict → banner colour (white text keeps 4.5:1 on each).
VERDICT_COLOURS: dict[str, str] = {
    "clean": "#4d6b57",
    "polonius-accepts": "#1f7a45",
    "needs-full-polonius": "#1d6a8a",
    "alpha-only-accepts": "#7a3fb0",
    "partial-fix": "#9a5a00",
    "both-reject": "#b3261e",
    "regression": "#8c1d5a",
    "other-error": "#5f6770",
    "toolchain-error": "#444b55",
    "not-compiled": "#6b6b4d",
}
PENDING_COLOUR = "#5f6770"

#: Per-column change → (tint light, tint dark, words).
CHANGE_STYLE: dict[str, tuple[str, str, str]] = {
    "removed": ("#e3f4e6", "#1d3d26", "✔ Polonius removed it"),
    "kept": ("#fde4e2", "#4d1f1d", "Polonius keeps it"),
    "legacy-kept": ("#fde4e2", "#4d1f1d", "legacy Polonius keeps it"),
    "not-borrowck": ("", "", "not a borrow-check error: every checker stops here"),
    "added": ("#efe3fb", "#3a2552", "new under Polonius"),
    "same": ("#fde4e2", "#4d1f1d", "stable reports it too"),
    "drift": ("#e3edf7", "#1f3347", "compiler drift: stable does not report it"),
    "": ("", "", ""),
}


def verdict_colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(verdict, PENDING_COLOUR)


def findings_are_the_news(triage: Triage) -> bool:
    """Verdict ``clean`` with a workaround confirmed by rewrite: the finding is the story."""
    return triage.verdict == "clean" and any(p.confirmed for p in triage.patterns)


class VerdictBanner(QFrame):
    """The verdict in large type on its colour, with corroboration, drift and rustc versions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdictText")
        self.flags_label = QLabel()
        self.flags_label.setTextFormat(Qt.TextFormat.RichText)
        # Narrow windows wrap the flags rather than clip the verdict itself.
        self.flags_label.setWordWrap(True)
        self.flags_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label = QLabel()
        top.addWidget(self.verdict_label)
        top.addSpacing(12)
        top.addWidget(self.flags_label, 1)
        top.addWidget(self.state_label)
        layout.addLayout(top)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.versions_label = QLabel()
        self.versions_label.setWordWrap(True)
        self.versions_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.versions_label)
        self.verdict = ""
        self.show_empty()

    def _paint(self, colour: str) -> None:
        self.setStyleSheet(
            f"#verdictBanner {{ background: {colour}; border-radius: 6px; }}"
            "#verdictBanner QLabel { color: white; background: transparent; }"
            "#verdictBanner QLabel#verdictText { font-size: 20px; font-weight: bold; }"
        )

    def show_empty(self) -> None:
        self.verdict = ""
        self._paint(PENDING_COLOUR)
        self.verdict_label.setText("no verdict yet")
        self.flags_label.setText("")
        self.detail_label.setText("Type Rust code in the editor, open a file, or pick a case.")
        self.versions_label.setText("")
        self.state_label.setText("")

    def show_checking(self, checking: bool) -> None:
        self.state_label.setText("checking…" if checking else "")

    def show_error(self, message: str) -> None:
        self.verdict = ""
        self._paint(VERDICT_COLOURS["toolchain-error"])
        self.verdict_label.setText("check failed")
        self.flags_label.setText("")
        self.detail_label.setText(message)
        self.versions_label.setText("")
        self.state_label.setText("")

    def show_triage(self, triage: Triage) -> None:
        self.verdict = triage.verdict
        self._paint(verdict_colour(triage.verdict))
        self.verdict_label.setText(triage.verdict)
        # The verdict is never clipped: narrow windows wrap the flags beside it instead.
        self.verdict_label.ensurePolished()
        self.verdict_label.setMinimumWidth(self.verdict_label.sizeHint().width())
        chips: list[str] = []
        if triage.verdict in ("polonius-accepts", "needs-full-polonius", "alpha-only-accepts"):
            chips.append("✔ corroborated by legacy Polonius" if triage.corroborated
                         else "⚠ not corroborated")
        if triage.drift:
            chips.append("⚠ compiler drift (stable ≠ nightly)")
        # Only a proof by rewrite makes a workaround; the rest are candidates (issue 12).
        confirmed = [p for p in triage.patterns if p.confirmed]
        candidates = [p for p in triage.patterns if not p.confirmed]
        if confirmed:
            chips.append(f"⚑ {len(confirmed)} workaround{'s' * (len(confirmed) != 1)} "
                         "confirmed by rewrite")
        if candidates:
            chips.append(f"{len(candidates)} possible workaround"
                         f"{'s' * (len(candidates) != 1)}, not proven")
        self.flags_label.setText("&nbsp;&nbsp;·&nbsp;&nbsp;".join(html.escape(c) for c in chips))
        detail = VERDICT_TEXT.get(triage.verdict, "")
        if findings_are_the_news(triage):
            detail = ("The news is its workaround: every checker accepts this code, and its "
                      "direct form compiles under Polonius (see Patterns & rewrite).")
        elif triage.reason and triage.reason != detail:
            detail = f"{detail} — {triage.reason}" if detail else triage.reason
        self.detail_label.setText(detail)
        versions: dict[str, list[str]] = {}
        for role in ROLES:
            result = triage.checks.get(role)
            if result is not None and result.rustc and result.status != "skipped":
                versions.setdefault(result.rustc, []).append(role)
        self.versions_label.setText("   ".join(
            f"{'/'.join(roles)}: rustc {version}" for version, roles in versions.items()))
        self.state_label.setText("")


class FunctionStrip(QWidget):
    """The per-function verdicts as small buttons; clicking one jumps to the function."""

    function_activated = Signal(int)  # line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(2, 0, 2, 0)
        self._layout.setSpacing(6)
        self._title = QLabel("Functions:")
        self._layout.addWidget(self._title)
        # Many functions must not widen the window: they scroll sideways inside the strip.
        self._scroll = QScrollArea(self)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidgetResizable(True)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        inner = QWidget(self._scroll)
        self._buttons_layout = QHBoxLayout(inner)
        self._buttons_layout.setContentsMargins(0, 0, 0, 0)
        self._buttons_layout.setSpacing(6)
        self._buttons_layout.addStretch(1)
        self._scroll.setWidget(inner)
        self._layout.addWidget(self._scroll, 1)
        self.buttons: list[QToolButton] = []
        self._fit_height()

    def _fit_height(self) -> None:
        bar = self._scroll.horizontalScrollBar().sizeHint().height()
        row = max(self._title.sizeHint().height(), QToolButton().sizeHint().height())
        self._scroll.setFixedHeight(row + bar)

    def show_triage(self, triage: Triage | None) -> None:
        for button in self.buttons:
            self._buttons_layout.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        functions = triage.functions if triage is not None else ()
        self._title.setText("Functions:" if functions else "Functions: none found")
        for index, function in enumerate(functions):
            button = QToolButton(self._scroll.widget())
            button.setAutoRaise(True)
            colour = verdict_colour(function.verdict)
            button.setText(f"● fn {function.name}  {function.verdict}")
            button.setStyleSheet(f"QToolButton {{ color: {colour}; font-weight: bold; }}")
            button.setToolTip(f"lines {function.line}–{function.end_line}: "
                              f"{VERDICT_TEXT.get(function.verdict, function.verdict)}")
            button.clicked.connect(lambda _=False, line=function.line:
                                   self.function_activated.emit(line))
            self._buttons_layout.insertWidget(index, button)
            self.buttons.append(button)


def _status_text(result: CheckResult | None) -> str:
    if result is None:
        return "not run"
    if not result.ok:
        return f"{result.status}" + (f": {result.error}" if result.error else "")
    errors = len(result.errors)
    verdict = "accepted" if result.accepted else f"rejected · {errors} error{'s' * (errors != 1)}"
    # 0 ms: not timed here (an audit's build script or proc macro, built once for every role)
    return f"{verdict} · {result.elapsed_ms} ms" if result.elapsed_ms else verdict


BORDERS = {"removed": "#2e9d57", "kept": "#d9453d", "legacy-kept": "#d9453d",
           "same": "#d9453d", "added": "#9a5bd6", "drift": "#3a7fd5", "not-borrowck": "#8a8f98",
           "": "#8a8f98"}


class RoleColumn(QFrame):
    """One role's diagnostics, coloured by what Polonius did with them; click one to jump."""

    diagnostic_activated = Signal(int, int)

    def __init__(self, role: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.title = QLabel(f"<b>{html.escape(ROLE_TITLES.get(role, role))}</b>")
        self.status = QLabel("not run")
        self.status.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        self.browser.anchorClicked.connect(self._on_browser_anchor_clicked)
        layout.addWidget(self.browser, 1)
        #: (diagnostic, change) in display order: change is removed/kept/added/same/drift/"".
        self.items: list[tuple[Diagnostic, str]] = []
        self._result: CheckResult | None = None
        #: Items whose full rustc output is unfolded (Compiler Explorer's view of it).
        self.expanded: set[int] = set()

    def show_result(self, result: CheckResult | None, changes: dict[tuple[str, int | None,
                    int | None], str], baseline_keys: set[tuple[str, int | None, int | None]]) -> None:
        self._result = result
        self.items = []
        self.expanded = set()
        self.status.setText(_status_text(result))
        self.setToolTip(" ".join(result.flags) if result is not None and result.flags else "")
        if result is not None:
            for diag in result.diagnostics:
                if diag.level not in ("error", "warning"):
                    continue
                key = diag.key()
                if diag.level == "warning":
                    change = ""
                elif not diag.borrowck:
                    # A parse or type error is no news about Polonius (issue 12).
                    change = "not-borrowck"
                elif self.role == "stable":
                    change = changes.get(key, "")
                elif self.role == "nightly":
                    change = "same" if key in baseline_keys else "drift"
                elif self.role == "polonius" and key in changes:
                    change = changes[key]
                elif self.role == "polonius-legacy":
                    change = "legacy-kept" if key in baseline_keys else "added"
                else:
                    change = "kept" if key in baseline_keys else "added"
                self.items.append((diag, change))
        self._render()

    def _render(self) -> None:
        dark = is_dark(self.palette())
        rows: list[str] = []
        for index, (diag, change) in enumerate(self.items):
            light_tint, dark_tint, words = CHANGE_STYLE.get(change, CHANGE_STYLE[""])
            tint = (dark_tint if dark else light_tint) or ("#2b2f36" if dark else "#f1f3f5")
            where = f"line {diag.line}:{diag.column}" if diag.line else "no location"
            head = f"<b>{html.escape(diag.code or diag.level)}</b>&nbsp; {where}"
            extra = f"<br><i>{html.escape(words)}</i>" if words else ""
            full = ""
            if diag.rendered:
                if index in self.expanded:
                    full = (f'<br><a href="full:{index}">hide rustc output</a>'
                            f'<pre style="font-size: small;">{html.escape(diag.rendered)}</pre>')
                else:
                    full = f'<br><a href="full:{index}">rustc output…</a>'
            rows.append(
                f'<tr><td width="4" bgcolor="{BORDERS.get(change, BORDERS[""])}"></td>'
                f'<td bgcolor="{tint}"><a href="diag:{index}" style="text-decoration: none; '
                f'color: {"#e6e6e6" if dark else "#1d1d1f"};">{head}<br>'
                f"{html.escape(diag.message)}{extra}</a>{full}</td></tr>"
                '<tr><td colspan="2" height="3"></td></tr>'
            )
        if not rows:
            empty = "nothing reported" if self._result is not None and self._result.ok else ""
            self.browser.setHtml(f"<i>{empty}</i>" if empty else "")
            return
        self.browser.setHtml('<table width="100%" cellspacing="0" cellpadding="4">'
                             + "".join(rows) + "</table>")

    def activate(self, index: int) -> None:
        """Jump to the ``index``-th diagnostic (what a click on it does)."""
        if 0 <= index < len(self.items):
            diag = self.items[index][0]
            if diag.line:
                self.diagnostic_activated.emit(diag.line, diag.column or 1)

    def anchor_position(self, index: int) -> int:
        """Document position inside the ``index``-th diagnostic (for tests and keyboard)."""
        document = self.browser.document()
        block = document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.charFormat().anchorHref() == f"diag:{index}":
                    return fragment.position()
                iterator += 1
            block = block.next()
        return -1

    def toggle_full(self, index: int) -> None:
        """Unfold (or fold) rustc's full rendered message of the ``index``-th diagnostic."""
        self.expanded ^= {index}
        scroll = self.browser.verticalScrollBar().value()
        self._render()
        self.browser.verticalScrollBar().setValue(scroll)

    def _on_browser_anchor_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("diag:"):
            self.activate(int(text.removeprefix("diag:")))
        elif text.startswith("full:"):
            self.toggle_full(int(text.removeprefix("full:")))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._render()


#: Below this width per role the columns stack two by two (1024×700 stays readable).
MIN_ROLE_WIDTH = 190


class RoleColumns(QWidget):
    """Stable NLL | Polonius | Polonius legacy | Nightly control, side by side."""

    diagnostic_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(4)
        self.columns: dict[str, RoleColumn] = {}
        for role in ROLES:
            column = RoleColumn(role, self)
            column.diagnostic_activated.connect(self.diagnostic_activated)
            self.columns[role] = column
        self.stacked: bool | None = None
        self._arrange(stacked=False)

    def _arrange(self, *, stacked: bool) -> None:
        """Four columns side by side, or (narrow) two rows of two so each stays readable."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        for column in self.columns.values():
            self._grid.removeWidget(column)
        per_row = 2 if stacked else len(ROLES)
        for index, column in enumerate(self.columns.values()):
            self._grid.addWidget(column, index // per_row, index % per_row)
        for position in range(len(ROLES)):
            self._grid.setColumnStretch(position, 1 if position < per_row else 0)
            self._grid.setRowStretch(position, 1 if position < len(ROLES) // per_row else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(stacked=event.size().width() < len(ROLES) * MIN_ROLE_WIDTH)

    def show_triage(self, triage: Triage | None) -> None:
        if triage is None:
            for column in self.columns.values():
                column.show_result(None, {}, set())
            return
        changes = diff_changes(triage)
        stable = triage.checks.get("stable")
        baseline = {d.key() for d in stable.errors} if stable is not None else set()
        for role, column in self.columns.items():
            column.show_result(triage.checks.get(role), changes, baseline)


def source_name(origin: object) -> str:
    """The file name a diff header shows: the case's file, else ``snippet.rs``."""
    if isinstance(origin, dict) and isinstance(origin.get("path"), str) and origin["path"]:
        return str(origin["path"]).replace("\\", "/").rsplit("/", 1)[-1]
    return "snippet.rs"


class DiffView(QPlainTextEdit):
    """A read-only unified diff with added/removed lines highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._highlighter = DiffHighlighter(self.document())

    def show_diff(self, original: str, rewrite: str, *, name: str = "snippet.rs") -> None:
        lines = difflib.unified_diff(original.splitlines(keepends=True),
                                     readable_direct_form(original, rewrite).splitlines(
                                         keepends=True),
                                     fromfile=f"a/{name} (workaround)",
                                     tofile=f"b/{name} (direct form)", n=3)
        # No stray empty line after the last hunk line.
        self.setPlainText("".join(line if line.endswith("\n") else line + "\n"
                                  for line in lines).rstrip("\n"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._highlighter.follow_palette(self.palette())


def readable_direct_form(original: str, rewrite: str) -> str:
    """The direct form as a person would write it: lines the rewrite left holding only
    indentation are dropped. (The engine's rewrite keeps every line so its line numbers match
    the workaround's; that is the text the compiler proved. This differs only in blank lines.)"""
    old_lines = original.splitlines(keepends=True)
    new_lines = rewrite.splitlines(keepends=True)
    kept: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        chunk = new_lines[j1:j2]
        if tag != "equal":
            chunk = [line for line in chunk if line.strip() or line in ("\n", "\r\n")]
        kept.extend(chunk)
    return "".join(kept)


#: Below this width the findings panel shares its width 2:3 rather than by its default sizes.
NARROW_FINDINGS = 760


def finding_kind_text(finding: Finding) -> str:
    """What a finding is, in the words the issue asks for."""
    if finding.kind == "epoch":
        return "outdated idiom"
    if finding.confirmed:
        return "✔ confirmed workaround"
    from checkers.patterns import proven_needed

    if proven_needed(finding):
        return "workaround still needed (proven)"
    return "possible workaround, not proven"


class FindingsPanel(QSplitter):
    """Workaround patterns and epoch markers; a confirmed pattern's rewrite as a diff."""

    finding_activated = Signal(int, int)
    open_requested = Signal(str)  # a direct form, to check as a new case

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        left = QSplitter(Qt.Orientation.Vertical, self)
        self.left = left
        self.list = QListWidget(left)
        self.list.setWordWrap(True)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.explanation = QTextBrowser(left)
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setFrameShape(QFrame.Shape.NoFrame)
        left.addWidget(self.list)
        left.addWidget(self.explanation)
        left.setSizes([90, 200])
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        bar = QHBoxLayout()
        self.copy_button = QToolButton(right)
        self.copy_button.setText("Copy direct form")
        self.copy_button.setToolTip("Copy the rewritten (direct) source to the clipboard")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.open_button = QToolButton(right)
        self.open_button.setText("Open as a new case")
        self.open_button.setToolTip("Put the direct form in the editor and check it")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.wide_button = QToolButton(right)
        self.wide_button.setText("Wide diff")
        self.wide_button.setCheckable(True)
        self.wide_button.setToolTip("Hide the finding list so the diff gets the full width")
        self.wide_button.toggled.connect(self._on_wide_button_toggled)
        for button in (self.copy_button, self.open_button, self.wide_button):
            bar.addWidget(button)
        bar.addStretch(1)
        right_layout.addLayout(bar)
        self.diff = DiffView(right)
        right_layout.addWidget(self.diff, 1)
        self.addWidget(left)
        self.addWidget(right)
        self.setStretchFactor(0, 2)
        self.setStretchFactor(1, 3)
        self.setSizes([330, 500])
        self._triage: Triage | None = None
        self._findings: list[Finding] = []
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.list.itemActivated.connect(self._on_list_item_activated)
        # One click scrolls the editor to the finding (issue 12), not only a double click.
        self.list.itemClicked.connect(self._on_list_item_activated)
        self._rewrite: str | None = None
        self._set_rewrite(None)

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    def show_triage(self, triage: Triage | None) -> None:
        self._triage = triage
        self._findings = list(triage.patterns) + list(triage.epochs) if triage else []
        self.list.blockSignals(True)
        self.list.clear()
        for finding in self._findings:
            info = catalog_info(finding.id)
            item = QListWidgetItem(f"{finding_kind_text(finding)}: {info.title}\n"
                                   f"{finding.cls} · lines {finding.line}–{finding.end_line}")
            item.setToolTip(f"{finding.id}: {confirmation_text(finding)}")
            if finding.confirmed:
                item.setForeground(QColor("#1f7a45"))
            elif finding.kind == "pattern":
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
                item.setForeground(QColor("#6b7280"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if not self._findings:
            self.explanation.setHtml("<i>No workaround patterns or outdated idioms found.</i>")
            self.diff.clear()
            self._set_rewrite(None)
            return
        best = next((i for i, f in enumerate(self._findings) if f.confirmed and f.rewrite), 0)
        self.list.setCurrentRow(best)
        self._on_list_current_row_changed(best)

    def _on_list_current_row_changed(self, row: int) -> None:
        if self._triage is None or not 0 <= row < len(self._findings):
            return
        finding = self._findings[row]
        info = catalog_info(finding.id)
        text = f"<b>{html.escape(info.title)}</b><br><small>{html.escape(finding.id)} · "
        text += f"{html.escape(finding.cls)} · {html.escape(confirmation_text(finding))}</small>"
        if info.explanation:
            text += f"<p>{html.escape(info.explanation)}</p>"
        if info.link:
            text += f'<p><a href="{html.escape(info.link)}">{html.escape(info.link)}</a></p>'
        self.explanation.setHtml(text)
        self._set_rewrite(readable_direct_form(self._triage.source, finding.rewrite)
                          if finding.rewrite else None)
        if finding.rewrite:
            self.diff.show_diff(self._triage.source, finding.rewrite,
                                name=source_name(self._triage.origin))
        elif finding.kind == "epoch":
            self.diff.setPlainText("An outdated idiom: there is no borrow-check rewrite to "
                                   "prove; the explanation says what to write today.")
        else:
            self.diff.setPlainText("No rewrite to show: the direct form of this pattern was "
                                   "not produced or not checked (Case ▸ Re-check confirms "
                                   "patterns by rewrite).")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = event.size().width()
        # Narrow: short button words (their tooltips say it all), so the list keeps its room.
        narrow = width < NARROW_FINDINGS
        self.copy_button.setText("Copy" if narrow else "Copy direct form")
        self.open_button.setText("Open" if narrow else "Open as a new case")
        self.wide_button.setText("Wide" if narrow else "Wide diff")
        sizes = self.sizes()
        if not self.left.isHidden() and width < NARROW_FINDINGS and sizes \
                and sizes[0] < width * 0.4:
            # Narrow (1024 px windows): the finding list keeps two fifths, the diff the rest.
            self.setSizes([int(width * 0.4), width - int(width * 0.4)])

    def _set_rewrite(self, rewrite: str | None) -> None:
        self._rewrite = rewrite
        self.copy_button.setEnabled(rewrite is not None)
        self.open_button.setEnabled(rewrite is not None)

    def _on_copy_button_clicked(self) -> None:
        if self._rewrite is not None:
            QApplication.clipboard().setText(self._rewrite)

    def _on_open_button_clicked(self) -> None:
        if self._rewrite is not None:
            self.open_requested.emit(self._rewrite)

    def _on_wide_button_toggled(self, wide: bool) -> None:
        self.left.setVisible(not wide)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self._findings):
            finding = self._findings[row]
            self.finding_activated.emit(finding.line, finding.column)
