//! Counting the cores an inference pool keeps busy, so that a frame can borrow one that is idle.
//!
//! With one single-threaded worker per core, a lone frame uses one core while the others wait;
//! with one worker spanning two cores, frames that arrive together queue behind each other. The
//! pool does both: every worker is single-threaded, and a frame that starts while a core is idle
//! runs SFace there, beside dlib and liveness (docs/performance.md, "Lending idle cores").

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// How many of a pool's `capacity` cores are running inference right now: one per worker with a
/// frame, one per core a frame has borrowed.
#[derive(Debug)]
pub struct IdleCores {
    capacity: usize,
    busy: AtomicUsize,
    lent: AtomicU64,
}

impl IdleCores {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity,
            busy: AtomicUsize::new(0),
            lent: AtomicU64::new(0),
        })
    }

    /// A worker starts a frame: it holds its own core until the guard drops.
    pub fn occupy(self: &Arc<Self>) -> CoreGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        CoreGuard(Arc::clone(self))
    }

    /// A second core for the frame in hand, if one is idle; `None` when every core is busy.
    pub fn try_borrow(self: &Arc<Self>) -> Option<CoreGuard> {
        self.busy
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |busy| {
                (busy < self.capacity).then_some(busy + 1)
            })
            .ok()?;
        self.lent.fetch_add(1, Ordering::Relaxed);
        Some(CoreGuard(Arc::clone(self)))
    }

    /// Cores running inference now.
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::Acquire)
    }

    /// How many frames have borrowed an idle core since the pool started.
    pub fn lent(&self) -> u64 {
        self.lent.load(Ordering::Relaxed)
    }
}

/// One core in use; dropping it frees the core.
#[derive(Debug)]
pub struct CoreGuard(Arc<IdleCores>);

impl Drop for CoreGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_borrows_only_an_idle_core() {
        let cores = IdleCores::new(2);
        let worker = cores.occupy();
        let borrowed = cores.try_borrow().expect("one core is idle");
        assert_eq!(cores.busy(), 2);
        assert!(cores.try_borrow().is_none(), "both cores are busy");
        drop(borrowed);
        assert_eq!(cores.busy(), 1);
        let other_worker = cores.occupy();
        assert!(cores.try_borrow().is_none());
        drop((worker, other_worker));
        assert_eq!(cores.busy(), 0);
        assert_eq!(cores.lent(), 1);
    }

    #[test]
    fn workers_always_run_even_beyond_capacity() {
        // A worker never waits for a core: a frame that borrowed one may still be finishing when
        // a new frame reaches the other worker, and that frame must not queue behind it.
        let cores = IdleCores::new(2);
        let _a = cores.occupy();
        let _lent = cores.try_borrow().unwrap();
        let _b = cores.occupy();
        assert_eq!(cores.busy(), 3);
        assert!(cores.try_borrow().is_none());
    }
}
