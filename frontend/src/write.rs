//! Writes from screens go through Leptos actions: one small helper on top of
//! [`Action::new_local`] (the store's futures are not `Send`), giving a screen whether a write
//! is under way and why its last run failed, in words for the screen, instead of a
//! `spawn_local` with a busy flag and an error signal of its own.

use leptos::prelude::*;
use std::future::Future;

/// A screen's write: run it with [`Write::dispatch`]; [`Write::pending`] is true while a run is
/// under way, [`Write::error`] holds the last run's failure (cleared by the next success or by
/// [`Write::clear`]).
pub struct Write<I: 'static, O: 'static = ()> {
    action: Action<I, Result<O, String>>,
}

impl<I: 'static, O: 'static> Clone for Write<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for Write<I, O> {}

impl<I: 'static, O: 'static> Write<I, O> {
    /// `run` starts the write for an input; its error is the message the screen shows.
    pub fn new<F, Fu>(run: F) -> Self
    where
        F: Fn(&I) -> Fu + 'static,
        Fu: Future<Output = Result<O, String>> + 'static,
    {
        Write { action: Action::new_local(run) }
    }

    pub fn dispatch(&self, input: I) {
        self.action.dispatch_local(input);
    }

    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    /// The last run's failure, if it failed.
    pub fn error(&self) -> Option<String> {
        self.action.value().with(|v| match v {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    }

    /// Forget the last run's result (a form opened again).
    pub fn clear(&self) {
        self.action.clear();
    }
}
