//! What the plain (`harness = false`) benches share: timing an operation.

use std::time::Instant;

/// Times `op`: batches sized to about 20 ms each (so timer resolution does not matter),
/// 15 of them after a warm-up; prints and returns the median in nanoseconds per operation.
pub fn measure(name: &str, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calibrate = 0u64;
    while start.elapsed().as_millis() < 20 {
        op();
        calibrate += 1;
    }
    let batch = calibrate.max(1);
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                op();
            }
            t.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    println!(
        "{name:<58} {median:>10.0} ns/op   (min {:.0}, max {:.0}, batch {batch})",
        samples[0],
        samples[samples.len() - 1]
    );
    median
}
