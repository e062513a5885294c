"""The audit report (self-contained HTML or Markdown): what a maintainer can delete, and what it costs."""

from __future__ import annotations

import difflib
import html
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from checkers.patterns import CATALOG

if TYPE_CHECKING:
    from checkers.audit.run import AuditResult

_POLONIUS_VERDICTS = ("polonius-accepts", "needs-full-polonius", "alpha-only-accepts")


def _diff(before: str, after: str, path: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}", n=2)
    return "".join(lines)


def _rows(result: AuditResult) -> dict[str, Any]:
    """The report's content, independent of the output format."""
    records = result.records
    polonius_fns: list[dict[str, Any]] = []
    deletable: list[dict[str, Any]] = []
    unconfirmed: list[dict[str, Any]] = []
    epochs: Counter[tuple[str, str]] = Counter()
    verdicts: Counter[tuple[str, str]] = Counter()
    for record in records:
        origin = record.get("origin") or {}
        path = str(origin.get("path", "?"))
        package = str(origin.get("package", "?"))
        verdicts[(package, record["verdict"])] += 1
        for fn in record.get("functions") or ():
            if fn["verdict"] in _POLONIUS_VERDICTS:
                polonius_fns.append({"package": package, "path": path, "name": fn["name"],
                                     "line": fn["line"], "verdict": fn["verdict"]})
        for finding in record.get("patterns") or ():
            entry = CATALOG.get(finding["id"])
            row = {"package": package, "path": path, "line": finding["line"],
                   "id": finding["id"], "title": entry.title if entry else finding["id"],
                   "explanation": entry.explanation if entry else "",
                   "reason": finding.get("reason") or finding.get("unconfirmable") or "",
                   "diff": _diff(record["source"], finding["rewrite"], path)
                   if finding.get("rewrite") else ""}
            (deletable if finding.get("confirmed") is True else unconfirmed).append(row)
        for finding in record.get("epochs") or ():
            epochs[(package, finding["id"])] += 1
    return {"polonius_fns": polonius_fns, "deletable": deletable, "unconfirmed": unconfirmed,
            "epochs": epochs, "verdicts": verdicts}


def _cost(result: AuditResult) -> list[tuple[str, str, str, str, str, str]]:
    base = result.roles.get("stable")
    rows = []
    for role, outcome in result.roles.items():
        # a role that skipped members (a dependency failed) did less work: no ratio
        complete = outcome.status != "missing" and not any(
            v in ("dependency-failed", "not-run", "skipped") for v in outcome.packages.values())
        ratio = (f"{outcome.member_cpu_ms / base.member_cpu_ms:.2f}×"
                 if base is not None and base.member_cpu_ms and complete else "–")
        compiler = outcome.compiler + (" + RUSTC_BOOTSTRAP=1" if outcome.bootstrap else "")
        cpu, wall = f"{outcome.member_cpu_ms} ms", f"{outcome.member_ms} ms"
        if outcome.status == "skipped":
            cpu = wall = "not run (not needed)"
        rows.append((role, compiler or "–", " ".join(outcome.flags) or "(none)", cpu, wall,
                     ratio))
    return rows


def time_spent(result: AuditResult) -> str:
    """Where the audit's time went: "1.2 s (metadata 57 ms, dependency pass …)"."""
    parts = ", ".join(f"{name} {ms} ms" for name, ms in result.phases.items())
    return f"{result.elapsed_ms / 1000:.1f} s ({parts})"


def phases_text(result: AuditResult) -> str:
    """The report's line on where the time went: "Time: 1.2 s (metadata 57 ms, …); …"."""
    cached = " (this result came from the audit cache)" if result.cached else ""
    return (f"Time: {time_spent(result)}; build scripts, proc macros and "
            f"dependencies are built once per compiler, in the dependency pass.{cached}")


def _package_names(result: AuditResult) -> list[str]:
    return [str(p["name"]) for p in result.packages]


def render(result: AuditResult, *, fmt: str = "html") -> str:
    return _markdown(result) if fmt == "md" else _html(result)


def _markdown(result: AuditResult) -> str:
    rows = _rows(result)
    out = [f"# Polonius audit of `{result.root}`", ""]
    out.append(f"Sandbox: {result.sandbox}. Roles: {', '.join(result.roles)}."
               + (" (from the audit cache)" if result.cached else ""))
    out += [f"> {n}" for n in result.notes]
    out += ["", "## Packages", "", "| package | " + " | ".join(result.roles) + " |",
            "|---" * (len(result.roles) + 1) + "|"]
    for name in _package_names(result):
        cells = [result.roles[r].packages.get(name, result.roles[r].status) for r in result.roles]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    for outcome in result.roles.values():
        for err in outcome.errors:
            out.append(f"\n- **{outcome.role}**: {err}")
    out += ["", "## Workarounds Polonius lets you delete", ""]
    if not rows["deletable"]:
        out.append("None confirmed.")
    for row in rows["deletable"]:
        out += [f"### `{row['path']}:{row['line']}` — {row['title']} (`{row['id']}`, "
                f"{row['package']})", "", row["explanation"], "", f"Proof: {row['reason']}", "",
                "```diff", row["diff"].rstrip("\n"), "```", ""]
    out += ["", "## Functions Polonius lets compile", ""]
    if not rows["polonius_fns"]:
        out.append("None.")
    for fn in rows["polonius_fns"]:
        out.append(f"- `{fn['path']}:{fn['line']}` `{fn['name']}` — **{fn['verdict']}** "
                   f"({fn['package']})")
    out += ["", "## Unconfirmed candidates", ""]
    if not rows["unconfirmed"]:
        out.append("None.")
    for row in rows["unconfirmed"]:
        out.append(f"- `{row['path']}:{row['line']}` {row['title']} (`{row['id']}`): "
                   f"{row['reason'] or 'no mechanical direct form'}")
    out += ["", "## Epoch markers", ""]
    if not rows["epochs"]:
        out.append("None.")
    for (pkg, id_), n in sorted(rows["epochs"].items()):
        out.append(f"- {pkg}: `{id_}` × {n}")
    out += ["", "## Borrow-check cost", "",
            "CPU time of the members' rustc runs per role (dependencies excluded), as a ratio "
            "to NLL; measured where cargo really re-checked the members.", "",
            "| role | compiler | member flags | member CPU | member wall | vs NLL (CPU) |",
            "|---|---|---|---|---|---|"]
    out += [f"| {' | '.join(r)} |" for r in _cost(result)]
    if result.phases:
        out += ["", phases_text(result)]
    out += ["", "## File verdicts", ""]
    for (pkg, verdict), n in sorted(rows["verdicts"].items()):
        out.append(f"- {pkg}: {verdict} × {n}")
    return "\n".join(out) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
.ok{background:#e6f4ea}.rejected{background:#fdecea}.dependency-failed,.not-run,.missing,
.timeout,.crashed,.failed{background:#fff4d6}
pre{background:#f6f8fa;padding:.6em;overflow:auto}.add{color:#116329}.del{color:#82071e}
.note{color:#555}code{background:#f2f2f2;padding:0 .2em}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _diff_html(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        cls = "add" if line.startswith("+") and not line.startswith("+++") else (
            "del" if line.startswith("-") and not line.startswith("---") else "")
        out.append(f'<span class="{cls}">{_e(line)}</span>' if cls else _e(line))
    return "<pre>" + "\n".join(out) + "</pre>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], *, classes: bool = False) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = f' class="{_e(cell)}"' if classes and i > 0 else ""
            cells.append(f"<td{cls}>{_e(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


def _html(result: AuditResult) -> str:
    rows = _rows(result)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Polonius audit: "
             f"{_e(result.root)}</title><style>{_CSS}</style></head><body>",
             f"<h1>Polonius audit of <code>{_e(result.root)}</code></h1>",
             f"<p class='note'>Sandbox: {_e(result.sandbox)}. "
             f"{len(result.records)} source files with functions, findings or diagnostics."
             f"{' From the audit cache.' if result.cached else ''}</p>"]
    parts += [f"<p class='note'>{_e(n)}</p>" for n in result.notes]
    parts.append("<h2>Packages</h2>")
    parts.append(_table(["package", *result.roles],
                        [[name, *[result.roles[r].packages.get(name, result.roles[r].status)
                                  for r in result.roles]] for name in _package_names(result)],
                        classes=True))
    errs = [(o.role, e) for o in result.roles.values() for e in o.errors]
    if errs:
        parts.append("<ul>" + "".join(f"<li><b>{_e(r)}</b>: {_e(e)}</li>" for r, e in errs)
                     + "</ul>")
    parts.append("<h2>Workarounds Polonius lets you delete</h2>")
    if not rows["deletable"]:
        parts.append("<p>None confirmed.</p>")
    for row in rows["deletable"]:
        parts.append(f"<h3><code>{_e(row['path'])}:{row['line']}</code> — {_e(row['title'])} "
                     f"(<code>{_e(row['id'])}</code>, {_e(row['package'])})</h3>"
                     f"<p>{_e(row['explanation'])}</p><p class='note'>Proof: {_e(row['reason'])}"
                     f"</p>{_diff_html(row['diff'])}")
    parts.append("<h2>Functions Polonius lets compile</h2>")
    parts.append(_table(["file:line", "function", "verdict", "package"],
                        [[f"{f['path']}:{f['line']}", f["name"], f["verdict"], f["package"]]
                         for f in rows["polonius_fns"]]) if rows["polonius_fns"]
                 else "<p>None.</p>")
    parts.append("<h2>Unconfirmed candidates</h2>")
    if rows["unconfirmed"]:
        items = []
        for r in rows["unconfirmed"]:
            tried = (f"<details><summary>direct form tried</summary>{_diff_html(r['diff'])}"
                     "</details>") if r["diff"] else ""
            items.append(f"<li><code>{_e(r['path'])}:{r['line']}</code> {_e(r['title'])} "
                         f"(<code>{_e(r['id'])}</code>): "
                         f"{_e(r['reason'] or 'no mechanical direct form')}{tried}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Epoch markers</h2>")
    parts.append(_table(["package", "marker", "count"],
                        [[p, i, str(n)] for (p, i), n in sorted(rows["epochs"].items())])
                 if rows["epochs"] else "<p>None.</p>")
    parts.append("<h2>Borrow-check cost</h2><p class='note'>CPU time of the members' rustc "
                 "runs per role (dependencies excluded), as a ratio to NLL; measured where cargo "
                 "really re-checked the members.</p>")
    parts.append(_table(["role", "compiler", "member flags", "member CPU", "member wall",
                         "vs NLL (CPU)"], [list(r) for r in _cost(result)]))
    if result.phases:
        parts.append(f"<p class='note'>{html.escape(phases_text(result))}</p>")
    parts.append("<h2>File verdicts</h2>")
    parts.append(_table(["package", "verdict", "files"],
                        [[p, v, str(n)] for (p, v), n in sorted(rows["verdicts"].items())]))
    parts.append("</body></html>")
    return "\n".join(parts)
