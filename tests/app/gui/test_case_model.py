"""The case table model and its filter proxy: qtmodeltester, lazy fetching, sorting, filters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from app.corpus import CaseSummary
from app.gui.cases import COLUMNS, CaseFilterProxy, CaseListPanel, CaseTableModel
from checkers.model import VERDICTS


def summaries(n: int) -> list[CaseSummary]:
    return [CaseSummary(id=f"{i:064x}", verdict=VERDICTS[i % len(VERDICTS)],
                        patterns=("check-then-relookup",) if i % 3 == 0 else (),
                        labels=("skip",) if i % 4 == 0 else (),
                        origin=f"src/f{i % 17}.rs:{i}", updated=f"2026-11-{1 + i % 28:02d}T10:00:00.000Z",
                        reviewer="ann")
            for i in range(n)]


def test_model_passes_qtmodeltester(qapp: Any, qtmodeltester: Any) -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(1234))
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)


def test_proxy_passes_qtmodeltester(qapp: Any, qtmodeltester: Any) -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(700))
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filters(verdict="clean")
    qtmodeltester.check(proxy, force_py=True)


def test_rows_are_fetched_in_chunks() -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(100_000))
    assert model.rowCount() == CaseTableModel.CHUNK
    assert model.total() == 100_000
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * CaseTableModel.CHUNK
    row = model.ensure_fetched(f"{5000:064x}")
    assert row is not None and model.summary(row).id == f"{5000:064x}"


def test_sorting_covers_rows_not_fetched_yet() -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(5000))
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    assert model.summary(0).updated == "2026-11-28T10:00:00.000Z"
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.summary(0).verdict == VERDICTS[0]
    assert model.rowCount() == CaseTableModel.CHUNK


def test_upsert_appends_new_and_refreshes_known_rows() -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(3))
    changed: list[int] = []
    model.dataChanged.connect(lambda a, b: changed.append(a.row()))
    first = summaries(3)[1]
    model.upsert(replace(first, labels=("real-error",)))
    assert changed == [1] and model.summary(1).labels == ("real-error",)
    model.upsert(CaseSummary(id="f" * 64, verdict="clean", patterns=(), labels=(), origin="",
                             updated="", reviewer=""))
    assert model.rowCount() == 4


def test_upsert_many_keeps_the_sort_order_and_passes_qtmodeltester(qapp: Any,
                                                                   qtmodeltester: Any) -> None:
    model = CaseTableModel()
    model.set_summaries(summaries(40))
    model.sort(COLUMNS.index("updated"), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)  # keeps checking every change from here on
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    known = replace(model.summary(5), labels=("real-error",))
    batch = [known] + [CaseSummary(id=f"{1000 + i:064x}", verdict="clean", patterns=(), labels=(),
                                   origin=f"drop/{i}.rs:1", updated=updated, reviewer="")
                       for i, updated in enumerate(("2026-12-01T00:00:00.000Z",
                                                    "2026-12-02T00:00:00.000Z",
                                                    "2026-11-15T12:00:00.000Z",
                                                    "2000-01-01T00:00:00.000Z"))]
    model.upsert_many(batch)
    assert model.rowCount() == 44
    dates = [model.summary(r).updated for r in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True)
    # The two newest land together at the top in one insertion.
    assert (0, 1) in inserts and len(inserts) == 3
    assert model.summary(model.row_of(known.id) or 0).labels == ("real-error",)
    assert model.row_of(f"{1000:064x}") == 1


def test_panel_filters_by_verdict_label_and_pattern(qtbot: Any) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    panel.model.set_summaries(summaries(90))
    panel.set_label_names(["skip", "real-error"])
    panel.set_pattern_names(["check-then-relookup"])
    panel.verdict_filter.setCurrentIndex(panel.verdict_filter.findData("clean"))
    # clean is verdict 0: rows i with i % len(VERDICTS) == 0 (the verdict list may grow).
    cycle = len(VERDICTS)
    assert panel.proxy.rowCount() == len(range(0, 90, cycle))
    panel.label_filter.setCurrentIndex(panel.label_filter.findData("skip"))
    # skip → i % 4 == 0 as well
    both = [i for i in range(90) if i % cycle == 0 and i % 4 == 0]
    assert panel.proxy.rowCount() == len(both)
    panel.pattern_filter.setCurrentIndex(panel.pattern_filter.findData("check-then-relookup"))
    expected = [i for i in both if i % 3 == 0]
    assert panel.proxy.rowCount() == len(expected)
    assert f"{len(expected)} of 90" in panel.count_label.text()
    with qtbot.waitSignal(panel.text_filter_changed, timeout=5000) as text:
        panel.search.setText("needle")
    assert text.args == ["needle"]
