//! Progress lines on stderr, one per step, for the SDK (or a person) to read:
//! `progress <stage> <done> <total>`.

use std::io::Write;

pub fn report(stage: &str, done: usize, total: usize) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "progress {stage} {done} {total}");
}
