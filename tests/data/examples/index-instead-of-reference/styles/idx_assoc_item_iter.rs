// expect: index-instead-of-reference
pub struct Cell { pub k: u32, pub v: u32 }
pub struct Grid { cells: Vec<Cell> }

pub trait Lookup {
    type Out<'a> where Self: 'a;
    fn lookup(&mut self, k: u32) -> Self::Out<'_>;
}

impl Lookup for Grid {
    type Out<'a> = &'a mut Cell;
    fn lookup(&mut self, k: u32) -> Self::Out<'_> {
        if let Some(i) = self.cells.iter().position(|c| c.k == k) {
            return &mut self.cells[i];
        }
        self.cells.push(Cell { k, v: 0 });
        self.cells.last_mut().unwrap()
    }
}
