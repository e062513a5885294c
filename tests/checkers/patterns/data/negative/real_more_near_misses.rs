// expect: none
// More real-crate shapes that are no NLL workaround (backtrace, petgraph, cc, erased-serde,
// gimli, arbitrary, rand): a variance transmute, two disjoint &mut from one pointer, a COM
// pointer field, a scope that only groups reads, indices chosen at random.
use std::marker::PhantomData;
pub struct Ctx<'a> { data: PhantomData<&'a ()> }
pub struct Maps { cx: Ctx<'static> }
impl Maps {
    pub fn cx<'a>(&'a mut self) -> &'a mut Ctx<'a> {
        let cx: &'a mut Ctx<'static> = &mut self.cx;
        unsafe { std::mem::transmute::<&'a mut Ctx<'static>, &'a mut Ctx<'a>>(cx) }
    }
}
pub struct Graph { nodes: Vec<u32> }
impl Graph {
    pub fn two_mut(&mut self, i: usize, j: usize) -> (&mut u32, &mut u32) {
        assert!(i != j);
        unsafe {
            let this = self as *mut Graph;
            (&mut (&mut (*this).nodes)[i], &mut (&mut (*this).nodes)[j])
        }
    }
}
pub struct Com(*mut u8);
impl Com {
    pub fn unknown(&self) -> &u8 { unsafe { &*(self.0 as *mut u8) } }
}
pub fn grouping(t: &Vec<u8>) -> usize {
    let n;
    {
        let r = &t;
        n = r.len();
    }
    n + t.len()
}
pub fn pick<'b>(rng: &mut u64, choices: &'b mut [u8]) -> &'b mut u8 {
    *rng += 1;
    let idx = (*rng as usize) % choices.len();
    &mut choices[idx]
}
