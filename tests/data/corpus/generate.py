"""Generates the snippet corpus for batch-equivalence tests and the scan benchmark (JSONL, one case a line).

Usage: python tests/data/corpus/generate.py [N] [--seed S] [--examples DIR] > corpus.jsonl

Templates cover every verdict the engine gives on the local toolchains (clean,
polonius-accepts, needs-full-polonius, alpha-only-accepts, partial-fix, both-reject,
other-error, toolchain-error via refused `include_str!`), loose statements, type, resolve, parse
and lint errors, crate-root code, edition 2015/2018/2024 inputs and names that collide across
snippets. The worked examples (direct + workaround forms) are added when found.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

NOUNS = ["cache", "buf", "items", "queue", "pool", "table", "index", "store", "names", "words",
         "lines", "nodes", "slots", "cells", "rows", "seen", "jobs", "tasks", "users", "keys"]
TYPES = ["Foo", "Bar", "Node", "Entry", "Item", "State", "Config", "Record", "Session", "Cursor"]
FIELDS = ["value", "count", "len", "id", "weight", "hits", "size", "depth"]

Template = Callable[[random.Random], tuple[str, str]]  # rng -> (edition, source)


def _n(rng: random.Random) -> str:
    return rng.choice(NOUNS)


def _fn(rng: random.Random) -> str:
    return f"{rng.choice(['get', 'find', 'load', 'take', 'touch', 'make', 'pick'])}_{_n(rng)}"


def _ty(rng: random.Random) -> str:
    return rng.choice(TYPES)


def clean_vec(rng: random.Random) -> tuple[str, str]:
    f, v = _fn(rng), _n(rng)
    return "2021", f"""pub fn {f}({v}: &mut Vec<i32>) -> i32 {{
    {v}.push({rng.randint(1, 99)});
    let total: i32 = {v}.iter().sum();
    total
}}
"""


def clean_struct(rng: random.Random) -> tuple[str, str]:
    t, a = _ty(rng), rng.choice(FIELDS)
    return "2021", f"""#[derive(Debug, Clone, Default)]
pub struct {t} {{
    {a}: u32,
}}

impl {t} {{
    pub fn {a}(&self) -> u32 {{
        self.{a}
    }}
    pub fn bump(&mut self) -> &mut u32 {{
        self.{a} += {rng.randint(1, 9)};
        &mut self.{a}
    }}
}}
"""


def clean_generic(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return rng.choice(["2018", "2021", "2024"]), f"""pub fn {f}<T: Clone>(xs: &[T]) -> Option<T> {{
    let first = xs.first()?;
    Some(first.clone())
}}
"""


def pc3_map(rng: random.Random) -> tuple[str, str]:
    f, m = _fn(rng), _n(rng)
    key = rng.choice(["u32", "u64", "i64"])
    return "2021", f"""use std::collections::HashMap;

pub fn {f}({m}: &mut HashMap<{key}, String>, k: {key}) -> &String {{
    if let Some(v) = {m}.get(&k) {{
        return v;
    }}
    {m}.insert(k, String::from("{_n(rng)}"));
    {m}.get(&k).unwrap()
}}
"""


def pc3_loop(rng: random.Random) -> tuple[str, str]:
    f, v = _fn(rng), _n(rng)
    return rng.choice(["2018", "2021"]), f"""pub fn {f}({v}: &mut Vec<String>) -> &mut String {{
    for s in {v}.iter_mut() {{
        if s.len() > {rng.randint(1, 9)} {{
            return s;
        }}
    }}
    {v}.push(String::new());
    {v}.last_mut().unwrap()
}}
"""


def needs_full(rng: random.Random) -> tuple[str, str]:
    t, f = _ty(rng), _fn(rng)
    return "2021", f"""pub struct {t}<'a>(std::cell::Cell<&'a ()>);

pub fn make<'a>() -> {t}<'a> {{
    {t}(std::cell::Cell::new(&()))
}}

pub fn {f}<'a, 'b>(c: bool) -> Result<{t}<'a>, {t}<'b>> {{
    let v = make();
    if c {{ Ok(v) }} else {{ Err(v) }}
}}
"""


def alpha_only(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return "2021", f"""pub fn {f}<'a>(x: &'a String, c: bool) -> impl std::fmt::Debug + use<'a> {{
    if c {{
        let s = String::from("{_n(rng)}");
        return &s;
    }}
    x
}}
"""


def partial_fix(rng: random.Random) -> tuple[str, str]:
    _e, pc3 = pc3_map(rng)
    g, v = _fn(rng), _n(rng)
    return "2021", pc3 + f"""
pub fn {g}() {{
    let mut {v} = vec![1, 2, 3];
    let first = &mut {v}[0];
    {v}.push(4);
    *first += 1;
}}
"""


def both_reject(rng: random.Random) -> tuple[str, str]:
    f, v = _fn(rng), _n(rng)
    return rng.choice(["2018", "2021", "2024"]), f"""pub fn {f}() {{
    let mut {v} = vec![{rng.randint(0, 9)}];
    let r = &{v}[0];
    {v}.push(2);
    println!("{{}}", r);
}}
"""


def moved_value(rng: random.Random) -> tuple[str, str]:
    t, f = _ty(rng), _fn(rng)
    return "2021", f"""pub struct {t} {{ pub id: u32 }}

pub fn {f}() -> u32 {{
    let a = {t} {{ id: {rng.randint(1, 9)} }};
    let b = a;
    let c = a;
    b.id + c.id
}}
"""


def codeless_region(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return "2021", f"""pub fn {f}<'a, 'b>(x: &'a u32, y: &'b u32) -> &'a u32 {{
    if *x > {rng.randint(0, 9)} {{ x }} else {{ y }}
}}
"""


def closure_conflict(rng: random.Random) -> tuple[str, str]:
    f, v = _fn(rng), _n(rng)
    return "2021", f"""pub fn {f}() -> usize {{
    let mut {v} = Vec::new();
    let mut add = |x: i32| {v}.push(x);
    let n = {v}.len();
    add({rng.randint(1, 9)});
    n
}}
"""


def type_error(rng: random.Random) -> tuple[str, str]:
    t, u, f = _ty(rng), _ty(rng), _fn(rng)
    if t == u:
        u = u + "2"
    return "2021", f"""pub struct {t};
pub struct {u};

pub fn {f}() -> {t} {{
    {u}
}}
"""


def resolve_error(rng: random.Random) -> tuple[str, str]:
    f, g = _fn(rng), _fn(rng)
    return "2021", f"""pub fn {f}() -> u32 {{
    missing_{g}({rng.randint(0, 9)})
}}
"""


def type_and_borrow(rng: random.Random) -> tuple[str, str]:
    _e, bad = both_reject(rng)
    g = _fn(rng)
    return "2021", bad + f"""
pub fn {g}() -> u32 {{
    "{_n(rng)}"
}}
"""


def inference_error(rng: random.Random) -> tuple[str, str]:
    f, v = _fn(rng), _n(rng)
    return "2021", f"""pub fn {f}() {{
    let {v} = Vec::new();
}}
"""


def parse_error(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    body = rng.choice(["let x = ;", "let = 5;", "if {{ }}", "let y: = 3;"])
    return "2021", f"""pub fn {f}() {{
    {body}
}}
"""


def lint_error(rng: random.Random) -> tuple[str, str]:
    """Deny-by-default lints from rustc's late pass: reported only when no earlier pass failed."""
    f = _fn(rng)
    body = rng.choice([
        f"let x: u8 = {rng.randint(256, 999)};\n    x",
        "let m = std::sync::Mutex::new(1u8);\n    let _ = m.lock().unwrap();\n    0",
        "let x = 1u8;\n    unsafe { *(&x as *const u8 as *mut u8) = 2; }\n    x",
    ])
    return "2021", f"""pub fn {f}() -> u8 {{
    {body}
}}
"""


def loose_clean(rng: random.Random) -> tuple[str, str]:
    v = _n(rng)
    return "2021", f"""let mut {v} = Vec::new();
{v}.push({rng.randint(1, 9)});
println!("{{:?}}", {v});
"""


def loose_conflict(rng: random.Random) -> tuple[str, str]:
    v = _n(rng)
    return "2021", f"""let mut {v} = vec![1, 2];
let first = &{v}[0];
{v}.push({rng.randint(3, 9)});
println!("{{}}", first)
"""


def loose_try(rng: random.Random) -> tuple[str, str]:
    return "2021", f"""let n: i32 = "{rng.randint(1, 999)}".parse()?;
println!("{{}}", n + 1);
"""


def loose_type_error(rng: random.Random) -> tuple[str, str]:
    v = _n(rng)
    return "2021", f"""let {v}: u32 = "{rng.randint(1, 9)}";
println!("{{}}", {v});
"""


def crate_root(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return "2021", rng.choice([
        f"#![allow(dead_code)]\n\npub fn {f}() -> u32 {{ {rng.randint(1, 9)} }}\n",
        f"#![deny(overflowing_literals)]\n#![allow(unused)]\n\npub fn {f}() -> u8 {{\n"
        f"    let x: u8 = {rng.randint(256, 300)};\n    x\n}}\n",
        f"#![feature(never_type)]\n\npub fn {f}() -> Option<!> {{ None }}\n",
        f"pub mod inner {{\n    pub fn {f}() -> u32 {{ 1 }}\n}}\n\npub fn run() -> u32 {{\n"
        f"    crate::inner::{f}()\n}}\n",
        f"#[macro_export]\nmacro_rules! twice_{f} {{\n    ($e:expr) => {{ $e * 2 }};\n}}\n",
    ])


def super_path(rng: random.Random) -> tuple[str, str]:
    f, g = _fn(rng), _fn(rng)
    if rng.random() < 0.3:  # `super` at the top level: an error alone, never batched
        return "2021", f"pub fn {f}() -> u32 {{\n    super::{g}()\n}}\n"
    return "2021", f"""fn {g}() -> u32 {{ {rng.randint(1, 9)} }}

pub mod inner {{
    pub fn {f}() -> u32 {{
        super::{g}()
    }}
}}
"""


def no_mangle(rng: random.Random) -> tuple[str, str]:
    return "2021", f"""#[no_mangle]
pub extern "C" fn ptriage_answer() -> u32 {{
    {rng.randint(1, 99)}
}}
"""


def refused_include(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return "2021", f"""pub fn {f}() -> &'static str {{
    include_str!("/etc/hostname")
}}
"""


def edition_2015(rng: random.Random) -> tuple[str, str]:
    f, t = _fn(rng), _ty(rng)
    return "2015", f"""use std::fmt;

trait {t} {{ fn go(&self) -> u32; }}

fn {f}(x: &{t}) -> u32 {{
    x.go()
}}

fn clash(out: &mut fmt::Write) {{
    let mut v = vec![1];
    let r = &v[0];
    v.push(2);
    let mut a = 1;
    let mut b = 2;
    std::mem::swap(&mut a, &mut b);
    ::std::mem::drop(r);
}}
"""


def edition_2015_local_use(rng: random.Random) -> tuple[str, str]:
    f = _fn(rng)
    return "2015", f"""mod helpers {{
    pub fn {f}() -> u32 {{ {rng.randint(1, 9)} }}
}}

use helpers::{f};

pub fn run() -> u32 {{
    {f}() + ::helpers::{f}()
}}
"""


def macro_conflict(rng: random.Random) -> tuple[str, str]:
    m, f = f"grab_{_n(rng)}", _fn(rng)
    return "2021", f"""macro_rules! {m} {{
    ($v:expr) => {{
        {{
            let r = &$v[0];
            $v.push(1);
            *r
        }}
    }};
}}

pub fn {f}() -> i32 {{
    let mut v = vec![{rng.randint(1, 9)}];
    {m}!(v)
}}
"""


def trait_impls(rng: random.Random) -> tuple[str, str]:
    t = _ty(rng)
    return "2021", f"""use std::fmt;

pub struct {t}(u32);

impl fmt::Display for {t} {{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{
        write!(f, "{t}({{}})", self.0)
    }}
}}

impl From<u32> for {t} {{
    fn from(x: u32) -> Self {{ {t}(x + {rng.randint(0, 9)}) }}
}}
"""


def missing_module(rng: random.Random) -> tuple[str, str]:
    return "2021", f"mod {_n(rng)}_impl;\n\npub fn run() {{}}\n"


def odd_whitespace(rng: random.Random) -> tuple[str, str]:
    _e, body = rng.choice([both_reject, clean_vec, pc3_map])(rng)
    style = rng.choice(["crlf", "leading", "no-final-newline", "tabs"])
    if style == "crlf":
        body = body.replace("\n", "\r\n")
    elif style == "leading":
        body = "\n\n" + body
    elif style == "no-final-newline":
        body = body.rstrip("\n")
    else:
        body = body.replace("    ", "\t")
    return "2021", body


TEMPLATES: dict[str, tuple[Template, int]] = {
    # name: (template, weight)
    "clean_vec": (clean_vec, 4),
    "clean_struct": (clean_struct, 3),
    "clean_generic": (clean_generic, 2),
    "pc3_map": (pc3_map, 4),
    "pc3_loop": (pc3_loop, 3),
    "needs_full": (needs_full, 2),
    "alpha_only": (alpha_only, 2),
    "partial_fix": (partial_fix, 2),
    "both_reject": (both_reject, 4),
    "moved_value": (moved_value, 2),
    "codeless_region": (codeless_region, 2),
    "closure_conflict": (closure_conflict, 2),
    "type_error": (type_error, 2),
    "resolve_error": (resolve_error, 2),
    "type_and_borrow": (type_and_borrow, 2),
    "inference_error": (inference_error, 1),
    "parse_error": (parse_error, 1),
    "lint_error": (lint_error, 1),
    "loose_clean": (loose_clean, 2),
    "loose_conflict": (loose_conflict, 2),
    "loose_try": (loose_try, 1),
    "loose_type_error": (loose_type_error, 1),
    "crate_root": (crate_root, 1),
    "super_path": (super_path, 1),
    "no_mangle": (no_mangle, 1),
    "refused_include": (refused_include, 1),
    "edition_2015": (edition_2015, 1),
    "edition_2015_local_use": (edition_2015_local_use, 1),
    "macro_conflict": (macro_conflict, 1),
    "trait_impls": (trait_impls, 2),
    "missing_module": (missing_module, 1),
    "odd_whitespace": (odd_whitespace, 2),
}


def example_cases(directory: Path) -> Iterator[dict[str, object]]:
    for source_file in sorted(directory.glob("*/*.rs")):
        yield {"id": f"example/{source_file.parent.name}/{source_file.stem}",
               "source": source_file.read_text(encoding="utf-8"), "edition": "2021",
               "origin": {"path": f"examples/{source_file.parent.name}/{source_file.name}",
                          "line": 1}}


def generate(count: int, *, seed: int = 0, examples: Path | None = None) -> list[dict[str, object]]:
    """``count`` cases: every template at least once, then weighted picks; examples first."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    if examples is not None and examples.is_dir():
        out.extend(example_cases(examples))
    names = list(TEMPLATES)
    weights = [TEMPLATES[n][1] for n in names]
    order = names + rng.choices(names, weights=weights, k=max(0, count - len(out) - len(names)))
    for index, name in enumerate(order[: max(0, count - len(out))]):
        edition, source = TEMPLATES[name][0](rng)
        out.append({"id": f"{name}/{index}", "source": source, "edition": edition,
                    "origin": {"template": name, "index": index}})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=Path, default=None,
                        help="worked examples folder (<name>/direct.rs, workaround.rs)")
    args = parser.parse_args(argv)
    for case in generate(args.count, seed=args.seed, examples=args.examples):
        sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
