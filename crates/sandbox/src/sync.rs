//! Locking the sandbox's mutexes: a leaf every module may use, so that taking a lock never ties a
//! module to the shared state.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex, carrying on after a panic elsewhere: the data is plain and stays consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
