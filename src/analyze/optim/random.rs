//! Random search: the start point, then points drawn uniformly in the box until the
//! budget is spent. A baseline that cannot be fooled by a rugged objective.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Executor, OptimConfig, StopReason};

pub(crate) fn run<E>(
    executor: &mut Executor<'_, E>,
    x0: &[f64],
    config: &OptimConfig,
) -> Result<StopReason, E> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    if executor.evaluate(x0)?.is_none() {
        return Ok(StopReason::Budget);
    }
    let mut point = vec![0.0; x0.len()];
    loop {
        for u in point.iter_mut() {
            *u = rng.random();
        }
        if executor.evaluate(&point)?.is_none() {
            return Ok(StopReason::Budget);
        }
    }
}
