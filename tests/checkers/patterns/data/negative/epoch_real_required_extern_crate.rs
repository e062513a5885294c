// expect: none
// syn's tests (rustc_private crates), quote/proc-macro2 (proc_macro in a lib crate), itertools
// (`core as std`): each extern crate is still required.
#![feature(rustc_private)]
extern crate rustc_ast;
extern crate thin_vec;
#[cfg(feature = "proc-macro")]
extern crate proc_macro;
#[cfg(not(feature = "use_std"))]
extern crate core as std;
