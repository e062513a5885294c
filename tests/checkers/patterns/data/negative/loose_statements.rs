// expect: none
let mut v = vec![1]; let r = &mut v; r.push(2);
let total: i32 = v.iter().sum();
