// expect: none
fn broken( { let x = [1, 2; if { } } } }} ]]] unsafe { *(
impl for for for <<<>>> -> -> &&& mut mut
