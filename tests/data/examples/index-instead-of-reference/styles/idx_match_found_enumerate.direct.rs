pub struct Row { pub key: String, pub hits: u32 }

pub fn row_mut<'t>(rows: &'t mut Vec<Row>, key: &str) -> &'t mut Row {
    for row in rows.iter_mut() {
        if row.key == key {
            return row;
        }
    }
    rows.push(Row { key: key.to_owned(), hits: 0 });
    rows.last_mut().unwrap()
}
