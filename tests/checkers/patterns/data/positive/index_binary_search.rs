// expect: index-instead-of-reference
pub struct Row { pub id: u32, pub hits: u32 }
pub fn row_mut(rows: &mut Vec<Row>, id: u32) -> &mut Row {
    match rows.binary_search_by_key(&id, |r| r.id) {
        Ok(i) => &mut rows[i],
        Err(i) => {
            rows.insert(i, Row { id, hits: 0 });
            &mut rows[i]
        }
    }
}
