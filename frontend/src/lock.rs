//! The quick lock of a shared tablet: a 4–6 digit code set on this device,
//! kept in localStorage only as a salted, iterated SHA-256 hash, plus the
//! lock's state (locked or not, wrong tries in a row, last activity) so a
//! reload does not open a locked app.
//!
//! It keeps passers-by out of an unattended tablet; it is not encryption:
//! the local copy in IndexedDB is readable to whoever controls the browser.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const KEY: &str = "labblogg.lock";

/// Minutes without interaction before the app locks, unless chosen otherwise.
pub const DEFAULT_MINUTES: u32 = 5;
pub const MIN_MINUTES: u32 = 1;
pub const MAX_MINUTES: u32 = 30;
/// Wrong codes in a row before every further try waits [`PENALTY_MS`].
/// Signing out instead would risk changes not yet synced.
pub const MAX_FAILURES: u32 = 5;
pub const PENALTY_MS: u64 = 30_000;
/// Hash rounds: a million possible codes should not be checked in a blink
/// from a copy of localStorage (a few milliseconds per check here).
const ROUNDS: u32 = 5_000;

/// What this device keeps about its lock.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LockState {
    /// Hex salt and hash of the code; both `None` when no code is set.
    pub salt: Option<String>,
    pub hash: Option<String>,
    /// 0 means the default.
    pub minutes: u32,
    pub locked: bool,
    /// Wrong codes since the last right one.
    pub failures: u32,
    /// No try is checked before this moment (ms since the epoch).
    pub wait_until_ms: u64,
    pub last_active_ms: u64,
}

/// The answer to a code typed on the lock screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Unlocked,
    Wrong,
    /// Too many wrong codes: try again in this many milliseconds (the code
    /// was not even checked).
    Wait(u64),
}

/// 4–6 ASCII digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=6).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_pin(salt: &str, pin: &str) -> String {
    let mut digest = Sha256::new().chain_update(salt.as_bytes()).chain_update(pin.as_bytes()).finalize();
    for _ in 1..ROUNDS {
        digest = Sha256::new().chain_update(digest).chain_update(salt.as_bytes()).finalize();
    }
    hex(&digest)
}

impl LockState {
    pub fn load() -> Self {
        LocalStorage::get(KEY).unwrap_or_default()
    }

    fn save(&self) {
        // Storage full or disabled: the lock then lasts until reload.
        let _ = LocalStorage::set(KEY, self);
    }

    pub fn has_pin(&self) -> bool {
        self.salt.is_some() && self.hash.is_some()
    }

    pub fn minutes(&self) -> u32 {
        if self.minutes == 0 {
            DEFAULT_MINUTES
        } else {
            self.minutes.clamp(MIN_MINUTES, MAX_MINUTES)
        }
    }

    /// Set the code with a fresh random salt; `salt` comes from the browser's
    /// cryptographic random source (a v4 UUID).
    pub fn with_pin(mut self, pin: &str, salt: &str) -> Self {
        self.hash = Some(hash_pin(salt, pin));
        self.salt = Some(salt.to_owned());
        self.failures = 0;
        self.wait_until_ms = 0;
        self
    }

    pub fn without_pin(mut self) -> Self {
        self.salt = None;
        self.hash = None;
        self.locked = false;
        self.failures = 0;
        self.wait_until_ms = 0;
        self
    }

    /// Check a typed code at `now_ms`: after [`MAX_FAILURES`] wrong ones in a
    /// row, each further try waits [`PENALTY_MS`] after the previous one.
    pub fn attempt(&mut self, pin: &str, now_ms: u64) -> Attempt {
        if now_ms < self.wait_until_ms {
            return Attempt::Wait(self.wait_until_ms - now_ms);
        }
        let right = match (&self.salt, &self.hash) {
            (Some(salt), Some(hash)) => hash_pin(salt, pin) == *hash,
            _ => true,
        };
        if right {
            self.failures = 0;
            self.wait_until_ms = 0;
            self.locked = false;
            self.last_active_ms = now_ms;
            return Attempt::Unlocked;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_FAILURES {
            self.wait_until_ms = now_ms + PENALTY_MS;
        }
        Attempt::Wrong
    }

    /// Should the app be locked at `now_ms` (idle too long, or locked before a reload)?
    pub fn due(&self, now_ms: u64) -> bool {
        self.has_pin()
            && (self.locked || now_ms.saturating_sub(self.last_active_ms) >= u64::from(self.minutes()) * 60_000)
    }
}

/// Read, change and save the stored state in one go.
pub fn update<R>(f: impl FnOnce(&mut LockState) -> R) -> R {
    let mut state = LockState::load();
    let r = f(&mut state);
    state.save();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn codes_are_four_to_six_digits() {
        for ok in ["1234", "12345", "000000"] {
            assert!(valid_pin(ok), "{ok}");
        }
        for bad in ["", "123", "1234567", "12a4", "１２３４", " 1234"] {
            assert!(!valid_pin(bad), "{bad}");
        }
    }

    #[wasm_bindgen_test]
    fn only_a_salted_hash_is_kept_and_five_wrong_codes_slow_down_tries() {
        let mut s = LockState::default().with_pin("2468", "salt-a");
        let stored = serde_json::to_string(&s).unwrap();
        assert!(!stored.contains("2468"), "{stored}");
        assert_ne!(s.hash, LockState::default().with_pin("2468", "salt-b").hash, "the salt matters");
        s.locked = true;
        for i in 1..MAX_FAILURES {
            assert_eq!(s.attempt("1111", 1000 * u64::from(i)), Attempt::Wrong);
            assert_eq!(s.wait_until_ms, 0);
        }
        assert_eq!(s.attempt("1111", 10_000), Attempt::Wrong);
        // Even the right code waits now, unchecked.
        assert_eq!(s.attempt("2468", 10_001), Attempt::Wait(PENALTY_MS - 1));
        assert!(s.locked);
        assert_eq!(s.attempt("2468", 10_000 + PENALTY_MS), Attempt::Unlocked);
        assert!(!s.locked);
        assert_eq!(s.failures, 0);
    }

    #[wasm_bindgen_test]
    fn due_after_idle_minutes_or_when_locked_before() {
        let mut s = LockState::default();
        assert!(!s.due(u64::MAX), "no code, no lock");
        s = s.with_pin("1234", "x");
        s.minutes = 2;
        s.last_active_ms = 1_000;
        assert!(!s.due(1_000 + 119_999));
        assert!(s.due(1_000 + 120_000));
        s.last_active_ms = 200_000;
        s.locked = true;
        assert!(s.due(200_000));
        assert_eq!(LockState { minutes: 99, ..LockState::default() }.minutes(), MAX_MINUTES);
    }
}
