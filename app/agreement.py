"""Agreement between reviewers: each reviewer's labels per case (from history), kappa, alpha.

How the label history becomes ratings
-------------------------------------
A reviewer *rated* a case when the case's label history holds at least one event by that
reviewer. Their current labels on it are the labels whose last event *by that reviewer* is
``added`` (a label another reviewer removed stays on for the reviewer who added it: that is a
disagreement, not a correction). Merging two reviewers' JSONL files keeps both histories, so a
merged corpus holds both sets of ratings. That is the way to measure agreement: in one shared
corpus, a second reviewer who agrees with a label already on a case leaves no event (the label
is there already), so only independent labelling, merged, gives every reviewer's ratings.

Each label is treated as its own yes/no question: on every case rated by at least two
reviewers, each of those reviewers says "yes" (they have the label on the case) or "no".
For a label whose ratings come from exactly two reviewers the report gives Cohen's kappa on the
cases both rated; for three or more, Krippendorff's alpha (nominal), which allows reviewers to
have rated different cases. Both are ``None`` ("n/a") when undefined: fewer than two reviewers,
no case rated twice, or every rating the same value (no variation, so chance agreement is 1).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from app.corpus import Corpus

#: ``{case id: {reviewer: labels that reviewer currently has on the case}}``
ReviewerLabels = dict[str, dict[str, frozenset[str]]]

Method = Literal["kappa", "alpha"]


# -- ratings from history --------------------------------------------------------------------


def reviewer_labels_of(records: Iterable[Mapping[str, Any]]) -> ReviewerLabels:
    """Each reviewer's current labels per case, replayed from the records' ``history`` (oldest
    first, as the corpus and JSONL give it). Cases without history are left out."""
    out: ReviewerLabels = {}
    for record in records:
        last: dict[str, dict[str, str]] = {}
        for event in record.get("history", ()):
            last.setdefault(event["reviewer"], {})[event["label"]] = event["action"]
        if last:
            out[record["id"]] = {
                reviewer: frozenset(label for label, action in actions.items() if action == "added")
                for reviewer, actions in sorted(last.items())
            }
    return out


def reviewer_labels(corpus: Corpus, **filters: Any) -> ReviewerLabels:
    """:func:`reviewer_labels_of` for the corpus's cases (``filters`` as for ``export``)."""
    return reviewer_labels_of(corpus.iter_records(**filters))


# -- the statistics --------------------------------------------------------------------------


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' values on the same items (``a[i]`` and ``b[i]`` rate item
    ``i``). ``None`` when there are no items or chance agreement is 1 (both gave one value)."""
    if len(a) != len(b):
        raise ValueError(f"cohen_kappa needs equally long ratings, got {len(a)} and {len(b)}")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    counts_a, counts_b = Counter(a), Counter(b)
    expected = sum(counts_a[c] * counts_b[c] for c in counts_a) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def _coincidences(units: Iterable[Sequence[Hashable]]) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix: each ordered pair of values within a unit counts
    ``1 / (m_u - 1)``; units with fewer than two values are not pairable and count nothing."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = list(unit)
        m = len(values)
        if m < 2:
            continue
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            matrix[(values[i], values[j])] += 1.0 / (m - 1)
    return matrix


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data. ``units`` holds, per unit (item), the values the
    raters who rated it gave (missing ratings simply left out). ``None`` when fewer than two
    values are pairable or all pairable values are equal (no expected disagreement)."""
    matrix = _coincidences(units)
    totals: dict[Hashable, float] = defaultdict(float)
    for (c, _k), weight in matrix.items():
        totals[c] += weight
    n = sum(totals.values())
    if n < 2:
        return None
    disagree_observed = sum(w for (c, k), w in matrix.items() if c != k)
    disagree_expected = (n * n - sum(t * t for t in totals.values())) / (n - 1)
    if disagree_expected <= 0:
        return None
    return 1.0 - disagree_observed / disagree_expected


def observed_agreement(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Share of agreeing pairs of ratings within units (for two raters: the share of items
    they agree on). ``None`` when no unit has two ratings."""
    agree = total = 0
    for unit in units:
        for x, y in combinations(list(unit), 2):
            total += 1
            agree += x == y
    return agree / total if total else None


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelAgreement:
    """Agreement on one label as a yes/no question over the cases rated by two or more reviewers.

    ``value`` is ``kappa`` when exactly two reviewers are involved, else ``alpha``; ``method``
    names which (``None`` when fewer than two reviewers). ``alpha`` is given for two reviewers
    too (it differs from kappa in how it estimates chance).
    """

    label: str
    #: reviewers with a rating on a case rated twice or more
    reviewers: tuple[str, ...]
    #: cases rated by two or more reviewers
    items: int
    #: ratings that give the label (a case two reviewers gave it counts twice)
    yes: int
    #: cases whose reviewers disagree on the label
    disagreements: int
    observed: float | None
    kappa: float | None
    alpha: float | None
    method: Method | None

    @property
    def value(self) -> float | None:
        return self.kappa if self.method == "kappa" else self.alpha


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Per-label agreement, the reviewers and cases it rests on, and the cases to adjudicate."""

    labels: tuple[LabelAgreement, ...]
    reviewers: tuple[str, ...]
    #: cases rated by at least two reviewers
    items: int
    #: ``{case id: labels the reviewers of that case disagree on}`` (sorted), disagreeing cases only
    disagreements: Mapping[str, list[str]] = field(default_factory=dict)

    def label(self, name: str) -> LabelAgreement | None:
        """The entry for label ``name``, if the report has one."""
        return next((entry for entry in self.labels if entry.label == name), None)


def _label_agreement(label: str, rated: ReviewerLabels) -> tuple[LabelAgreement, list[str]]:
    units: list[list[bool]] = []
    by_reviewer: dict[str, dict[str, bool]] = defaultdict(dict)
    disagreeing: list[str] = []
    for case_id, ratings in rated.items():
        votes = [label in labels for labels in ratings.values()]
        units.append(votes)
        for reviewer, labels in ratings.items():
            by_reviewer[reviewer][case_id] = label in labels
        if len(set(votes)) > 1:
            disagreeing.append(case_id)
    reviewers = tuple(sorted(by_reviewer))
    kappa: float | None = None
    method: Method | None = None
    if len(reviewers) == 2:
        first, second = (by_reviewer[r] for r in reviewers)
        common = sorted(first.keys() & second.keys())
        kappa = cohen_kappa([first[c] for c in common], [second[c] for c in common])
        method = "kappa"
    elif len(reviewers) > 2:
        method = "alpha"
    entry = LabelAgreement(
        label=label, reviewers=reviewers, items=len(units),
        yes=sum(sum(unit) for unit in units), disagreements=len(disagreeing),
        observed=observed_agreement(units), kappa=kappa,
        alpha=krippendorff_alpha_nominal(units), method=method,
    )
    return entry, disagreeing


def agreement_from(ratings: ReviewerLabels, *, labels: Iterable[str] = ()) -> AgreementReport:
    """The report for ratings from :func:`reviewer_labels_of`. Every label used on a case rated
    twice is reported, plus ``labels`` (e.g. the active label set) so unused ones show as n/a."""
    rated = {cid: r for cid, r in sorted(ratings.items()) if len(r) >= 2}
    names = set(labels)
    for per_reviewer in rated.values():
        for chosen in per_reviewer.values():
            names.update(chosen)
    entries: list[LabelAgreement] = []
    disagreements: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        entry, disagreeing = _label_agreement(name, rated)
        entries.append(entry)
        for case_id in disagreeing:
            disagreements[case_id].append(name)
    reviewers = sorted({r for per_reviewer in rated.values() for r in per_reviewer})
    return AgreementReport(labels=tuple(entries), reviewers=tuple(reviewers), items=len(rated),
                           disagreements=dict(sorted(disagreements.items())))


def agreement_report(corpus: Corpus, *, labels: Iterable[str] | None = None,
                     **filters: Any) -> AgreementReport:
    """Reviewer agreement in the corpus (``filters`` as for ``export``). ``labels`` defaults to
    the corpus's active label set, so every label appears (unused ones as n/a)."""
    if labels is None:
        labels = [lab.name for lab in corpus.labels()]
    return agreement_from(reviewer_labels(corpus, **filters), labels=labels)


# -- text ------------------------------------------------------------------------------------


def format_value(value: float | None) -> str:
    """A statistic as text: three decimals, or ``n/a`` when undefined."""
    return "n/a" if value is None else f"{value:.3f}"


def format_report(report: AgreementReport) -> str:
    """The report as an aligned text table (``ptriage stats --agreement``, the dataset card)."""
    lines = [f"reviewer agreement: {report.items} cases rated by two or more reviewers "
             f"({', '.join(report.reviewers) or 'none'}); {len(report.disagreements)} with "
             "disagreements"]
    width = max((len(e.label) for e in report.labels), default=5)
    lines.append(f"  {'label':<{width}}  {'method':<6}  {'value':>6}  {'observed':>8}  "
                 f"{'items':>5}  {'yes':>5}  {'differ':>6}  reviewers")
    for e in report.labels:
        lines.append(
            f"  {e.label:<{width}}  {e.method or '-':<6}  {format_value(e.value):>6}  "
            f"{format_value(e.observed):>8}  {e.items:>5}  {e.yes:>5}  {e.disagreements:>6}  "
            f"{', '.join(e.reviewers) or '-'}"
        )
    return "\n".join(lines)
