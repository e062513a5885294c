//! A leaf member whose `lookup` module holds NLL problem case #3.
pub mod lookup;
pub mod names;

pub fn seeded() -> u32 {
    wscore::seed()
}
