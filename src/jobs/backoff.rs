//! How long a failed job waits before its next attempt.

use rand::Rng;
use time::Duration;

const BASE_SECS: f64 = 2.0;
const CAP_SECS: f64 = 3600.0;

/// Exponential backoff after the `attempt`-th failure (1-based), with ±25 % jitter so
/// jobs that failed together do not retry together.
pub fn delay_after(attempt: i32, rng: &mut impl Rng) -> Duration {
    let exp = BASE_SECS * 2f64.powi((attempt - 1).clamp(0, 30));
    let secs = exp.min(CAP_SECS);
    let jitter = rng.gen_range(0.75..=1.25);
    Duration::milliseconds((secs * jitter * 1000.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_capped() {
        let mut rng = rand::thread_rng();
        for attempt in 1..10 {
            let d = delay_after(attempt, &mut rng).as_seconds_f64();
            let nominal = (2.0 * 2f64.powi(attempt - 1)).min(3600.0);
            assert!(
                d >= nominal * 0.75 - 0.001 && d <= nominal * 1.25 + 0.001,
                "attempt {attempt}: {d}"
            );
        }
        assert!(delay_after(40, &mut rng).as_seconds_f64() <= 3600.0 * 1.25);
    }
}
