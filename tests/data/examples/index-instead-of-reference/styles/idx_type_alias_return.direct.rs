pub struct Job { pub name: String, pub runs: u32 }
pub type JobRef<'a> = &'a mut Job;

pub fn job<'a>(jobs: &'a mut Vec<Job>, name: &str) -> JobRef<'a> {
    if let Some(j) = jobs.iter_mut().find(|j| j.name == name) {
        return j;
    }
    jobs.push(Job { name: name.into(), runs: 0 });
    jobs.last_mut().unwrap()
}
