//! Idempotency keys are remembered for a retention (24 hours by default,
//! as Stripe does) and then forgotten, so the ledger's `idempotency` table
//! does not grow forever (docs/service.md).
//!
//! A background task runs a round at start and then every minute. A round
//! is a series of passes; each pass deletes at most [`PRUNE_BATCH`] of the
//! oldest expired keys in one short transaction (an index range scan of
//! `idempotency_by_age`), and the round pauses between passes so requests
//! interleave with it. A round stops when a pass finds fewer than a batch,
//! or after [`PASSES_PER_ROUND`] passes: the work per pass and per round is
//! bounded, whatever the backlog.

use crate::api::AppState;
use crate::ledger::{Ledger, Millis, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// How long a key is remembered by default.
pub const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// How often a round runs by default.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// The most keys one pass (one transaction) deletes.
pub const PRUNE_BATCH: i64 = 1_000;
/// The most passes one round runs (100,000 keys a minute at most).
pub const PASSES_PER_ROUND: usize = 100;
/// The pause between two passes of a round.
const PAUSE: Duration = Duration::from_millis(10);

/// Forgets the keys first seen at or before `before`, `batch` at a time,
/// for at most `passes` passes; answers how many it forgot.
pub async fn prune_round(
    ledger: &dyn Ledger,
    before: Millis,
    batch: i64,
    passes: usize,
) -> Result<u64, StoreError> {
    let mut total = 0;
    for pass in 0..passes {
        if pass > 0 {
            tokio::time::sleep(PAUSE).await;
        }
        let n = ledger.prune_idempotency(before, batch).await?;
        total += n;
        if n < batch.max(0) as u64 {
            break;
        }
    }
    Ok(total)
}

/// The instant at or before which a key seen is forgotten at `now`.
pub fn forget_before(now: Millis, retention: Duration) -> Millis {
    let retention = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    now.saturating_sub(retention)
}

/// Forgets expired idempotency keys: a round at start, then one every
/// `every`. A ledger error is counted and retried at the next round.
pub(crate) async fn keep_pruning(state: Arc<AppState>, retention: Duration, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let before = forget_before(crate::clock::now(), retention);
        match prune_round(state.ledger.as_ref(), before, PRUNE_BATCH, PASSES_PER_ROUND).await {
            Ok(n) => state.metrics.keys_pruned.inc_by(n),
            Err(e) => {
                state.metrics.store_errors.inc();
                eprintln!("warning: cannot prune idempotency keys: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kept_for_the_whole_retention() {
        assert_eq!(forget_before(100_000, Duration::from_secs(60)), 40_000);
        assert_eq!(
            forget_before(5, IDEMPOTENCY_RETENTION),
            5 - 86_400_000,
            "24 hours"
        );
        assert_eq!(forget_before(i64::MIN, Duration::MAX), i64::MIN);
    }
}
