"""Near-duplicate groups: tree-sitter tokens, MinHash over token shingles (datasketch), LSH."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checkers.errors import InputError

if TYPE_CHECKING:
    from app.corpus import Corpus

DEFAULT_THRESHOLD = 0.8
NUM_PERM = 128
_LSH_MAX_THRESHOLD = 0.95
SHINGLE = 5

_IDENTIFIERS = frozenset({"identifier", "field_identifier", "type_identifier",
                          "shorthand_field_identifier"})
_ATOMS = frozenset({"string_literal", "raw_string_literal", "char_literal"})


def _parser() -> Any:
    import tree_sitter_rust
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_rust.language()))


def code_tokens(source: str, *, parser: Any = None) -> list[tuple[str, str]]:
    """The source's tokens as ``(kind, text)`` from tree-sitter leaves; comments are dropped,
    string and char literals are one token each. Whitespace and layout are gone."""
    data = source.encode("utf-8", "surrogatepass")
    tree = (parser or _parser()).parse(data)
    out: list[tuple[str, str]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind.endswith("comment"):
            continue
        if node.child_count == 0 or kind in _ATOMS:
            text = data[node.start_byte:node.end_byte].decode("utf-8", "replace")
            if text:
                out.append((kind, text))
            continue
        stack.extend(reversed(node.children))
    return out


def normalised_tokens(source: str, *, parser: Any = None) -> list[str]:
    """Tokens with identifiers renamed by first appearance (``$0``, ``$1``, …): two sources
    that differ only in layout, comments or a consistent renaming give the same list."""
    names: dict[str, str] = {}
    out = []
    for kind, text in code_tokens(source, parser=parser):
        if kind in _IDENTIFIERS:
            out.append(names.setdefault(text, f"${len(names)}"))
        else:
            out.append(text)
    return out


def shingles(tokens: Sequence[str]) -> set[bytes]:
    # Identifiers become one placeholder here: a renaming must not move every later shingle.
    flat = ["$" if t.startswith("$") else t for t in tokens]
    if len(flat) <= SHINGLE:
        return {"\x1f".join(flat).encode()}
    return {"\x1f".join(flat[i:i + SHINGLE]).encode() for i in range(len(flat) - SHINGLE + 1)}


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Another case near ``case_id``: ``exact`` when the normalised tokens are equal, else
    ``similarity`` is the MinHash estimate of the token-shingle Jaccard index (the best over
    the two cases' sources and direct forms). ``through_direct_form``: not a near duplicate of
    the case itself, but joined to it through a workaround's direct form (so kept in its split)."""

    id: str
    similarity: float
    exact: bool
    through_direct_form: bool = False


class UnionFind:
    """Union-find over string ids; the root of a group is its smallest id."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {x: x for x in ids}

    def find(self, x: str) -> str:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class DuplicateIndex:
    """Near-duplicate groups of a set of cases: equal normalised tokens, or MinHash similarity
    of token shingles at or above ``threshold`` (joined transitively). Group ids are the
    smallest case id of the group.

    ``attached`` gives sources that belong to a case without being cases: the direct forms of
    its workarounds, which become pairs' ``chosen`` side. They do not change ``group_of`` (what
    ``--dedupe`` uses), but ``split_group_of`` joins a case with the cases that duplicate one of
    its direct forms, so a direct form never sits in another split than its workaround.
    """

    def __init__(self, sources: Mapping[str, str], *, threshold: float = DEFAULT_THRESHOLD,
                 attached: Mapping[str, Sequence[str]] | None = None) -> None:
        from datasketch import MinHash, MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise InputError(f"near-duplicate threshold {threshold} must be in (0, 1]")
        self.threshold = threshold
        texts = dict(sources)
        owner: dict[str, str] = {}
        for cid, extra in (attached or {}).items():
            if cid not in sources:
                continue
            for n, text in enumerate(extra):
                # "\0" sorts before any id character: the case id stays its group's smallest.
                texts[f"{cid}\0{n}"] = text
                owner[f"{cid}\0{n}"] = cid
        parser = _parser()
        self._exact_key: dict[str, str] = {}
        shingle_sets: dict[str, set[bytes]] = {}
        for key in sorted(texts):
            tokens = normalised_tokens(texts[key], parser=parser)
            self._exact_key[key] = hashlib.sha256("\x1f".join(tokens).encode()).hexdigest()
            shingle_sets[key] = shingles(tokens)
        keys = sorted(texts)
        hashes = MinHash.bulk([sorted(shingle_sets[k]) for k in keys], num_perm=NUM_PERM) if keys else []
        self._minhash = dict(zip(keys, hashes, strict=True))
        cases = [k for k in keys if k not in owner]
        same = UnionFind(cases)  # near duplicates of the cases themselves
        linked = UnionFind(keys)  # ... and joined through direct forms
        for extra, cid in owner.items():
            linked.union(extra, cid)

        def join(a: str, b: str) -> None:
            linked.union(a, b)
            if a not in owner and b not in owner:
                same.union(a, b)

        first_of: dict[str, str] = {}
        for key in keys:
            join(key, first_of.setdefault(self._exact_key[key], key))
        # The LSH only proposes candidates (each is checked against ``threshold`` below), and
        # datasketch cannot band one above ~0.98 ("number of bands are too small"): a lower
        # candidate threshold only finds more candidates to check.
        lsh = MinHashLSH(threshold=min(threshold, _LSH_MAX_THRESHOLD), num_perm=NUM_PERM)
        for key in keys:
            mh = self._minhash[key]
            both_cases = key not in owner
            for other in lsh.query(mh):
                # Skip pairs already joined (a big family of copies would be quadratic).
                groups = same if both_cases and other not in owner else linked
                if groups.find(other) != groups.find(key) \
                        and mh.jaccard(self._minhash[other]) >= threshold:
                    join(key, other)
            lsh.insert(key, mh)
        self.group_of: dict[str, str] = {cid: same.find(cid) for cid in cases}
        self.split_group_of: dict[str, str] = {cid: linked.find(cid) for cid in cases}
        self.groups: dict[str, list[str]] = defaultdict(list)
        self._linked_members: dict[str, list[str]] = defaultdict(list)
        for cid in cases:
            self.groups[self.group_of[cid]].append(cid)
            self._linked_members[self.split_group_of[cid]].append(cid)
        self.groups = dict(self.groups)
        self._texts_of: dict[str, list[str]] = {cid: [cid] for cid in cases}
        for extra, cid in owner.items():
            self._texts_of[cid].append(extra)

    def near(self, case_id: str) -> list[NearDuplicate]:
        """The other cases of ``case_id``'s group, and those joined to it through a direct
        form, most similar first. A member joined only through a third case can be below the
        threshold."""
        if case_id not in self.group_of:
            return []
        out = []
        for other in self._linked_members[self.split_group_of[case_id]]:
            if other == case_id:
                continue
            exact = self._exact_key[other] == self._exact_key[case_id]
            similarity = 1.0 if exact else max(
                float(self._minhash[a].jaccard(self._minhash[b]))
                for a in self._texts_of[case_id] for b in self._texts_of[other])
            out.append(NearDuplicate(
                id=other, similarity=similarity, exact=exact,
                through_direct_form=self.group_of[other] != self.group_of[case_id]))
        return sorted(out, key=lambda d: (d.through_direct_form, -d.similarity, d.id))


def near_duplicates(corpus: Corpus, case_id: str, *,
                    threshold: float = DEFAULT_THRESHOLD) -> list[NearDuplicate]:
    """The cases of the corpus in ``case_id``'s near-duplicate group (``case_id`` may be a
    unique prefix), most similar first. This indexes every case (about 2 ms a case, see
    tests/bench/bench_dataset_dedupe.py); for repeated look-ups build one
    :class:`DuplicateIndex` (off the GUI thread) and call :meth:`DuplicateIndex.near`."""
    cid = corpus.resolve_id(case_id)
    sources: dict[str, str] = {}
    attached: dict[str, list[str]] = {}
    for record in corpus.iter_records():
        sources[record["id"]] = record["source"]
        attached[record["id"]] = [f["rewrite"] for f in record.get("patterns", ())
                                  if f.get("confirmed") is True and f.get("rewrite")]
    return DuplicateIndex(sources, threshold=threshold, attached=attached).near(cid)
