// expect: index-instead-of-reference
pub struct Job { pub name: String, pub runs: u32 }
pub type JobRef<'a> = &'a mut Job;

pub fn job<'a>(jobs: &'a mut Vec<Job>, name: &str) -> JobRef<'a> {
    match jobs.iter().position(|j| j.name == name) {
        Some(i) => &mut jobs[i],
        None => {
            jobs.push(Job { name: name.into(), runs: 0 });
            jobs.last_mut().unwrap()
        }
    }
}
