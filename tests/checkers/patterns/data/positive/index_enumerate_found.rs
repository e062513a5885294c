// expect: index-instead-of-reference
#[derive(Default)]
pub struct Bucket { id: u16, items: Vec<u64> }

pub fn bucket_for(buckets: &mut Vec<Bucket>, id: u16) -> &mut Bucket {
    let mut hit = None;
    for (k, b) in buckets.iter().enumerate() {
        if b.id == id {
            hit = Some(k);
            break;
        }
    }
    if let Some(k) = hit {
        return &mut buckets[k];
    }
    buckets.push(Bucket { id, ..Bucket::default() });
    buckets.last_mut().unwrap()
}
