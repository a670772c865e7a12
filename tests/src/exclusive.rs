//! The integration tests are one binary (`tests/tests/api`): its tests run in parallel threads of
//! one process, against one pair of emulators. A test that needs both to itself (it reads the
//! process-wide AWS call counter, `foof_aws::aws_calls`, or needs consecutive ids from
//! the shared id counters) takes [`Exclusive`] first thing; every [`TestApp`](crate::TestApp)
//! server, and a [`Shared`] claim in any test that calls AWS without one, holds it off. libtest
//! runs each test on a thread of its own and `#[tokio::test]` keeps the test's servers on that
//! thread, so a claim is the thread's: a thread that already holds one (or holds `Exclusive`)
//! never waits for another, and a test may spawn several apps.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};

struct State {
    /// The threads holding shared claims, once per claim.
    shared: Vec<ThreadId>,
    /// The thread holding `Exclusive`, or waiting for the shared claims to end.
    exclusive: Option<ThreadId>,
}

static STATE: Mutex<State> = Mutex::new(State {
    shared: Vec::new(),
    exclusive: None,
});
static CHANGED: Condvar = Condvar::new();

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn wait(guard: MutexGuard<'static, State>) -> MutexGuard<'static, State> {
    CHANGED.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// A claim on the process and the emulators that any number of tests hold at once.
#[must_use = "the claim ends when it is dropped"]
pub struct Shared {
    thread: ThreadId,
}

impl Shared {
    /// Waits while another thread holds or waits for [`Exclusive`], unless this thread
    /// already holds a claim (blocking the thread: the test has nothing else to run yet).
    pub fn take() -> Self {
        let me = thread::current().id();
        let mut state = state();
        while state.exclusive.is_some_and(|holder| holder != me) && !state.shared.contains(&me) {
            state = wait(state);
        }
        state.shared.push(me);
        Self { thread: me }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut state = state();
        if let Some(position) = state.shared.iter().position(|thread| *thread == self.thread) {
            state.shared.swap_remove(position);
        }
        CHANGED.notify_all();
    }
}

/// The process and the emulators to this test alone: no other test holds a claim meanwhile.
#[must_use = "exclusive use ends when it is dropped"]
pub struct Exclusive(());

impl Exclusive {
    /// Waits until every other thread's claims have ended; new claims wait from the call on.
    pub fn take() -> Self {
        let me = thread::current().id();
        let mut state = state();
        assert!(
            !state.shared.contains(&me),
            "take Exclusive before spawning a TestApp: a test holding a shared claim would wait for itself"
        );
        while state.exclusive.is_some() {
            state = wait(state);
        }
        state.exclusive = Some(me);
        while state.shared.iter().any(|thread| *thread != me) {
            state = wait(state);
        }
        Self(())
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        state().exclusive = None;
        CHANGED.notify_all();
    }
}
