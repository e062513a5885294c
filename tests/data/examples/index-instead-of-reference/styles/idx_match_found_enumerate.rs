// expect: index-instead-of-reference
pub struct Row { pub key: String, pub hits: u32 }

pub fn row_mut<'t>(rows: &'t mut Vec<Row>, key: &str) -> &'t mut Row {
    let mut found = None;
    for (i, row) in rows.iter().enumerate() {
        if row.key == key {
            found = Some(i);
            break;
        }
    }
    match found {
        Some(i) => &mut rows[i],
        None => {
            rows.push(Row { key: key.to_owned(), hits: 0 });
            rows.last_mut().unwrap()
        }
    }
}
