//! Sign-in throttling: after too many failed sign-ins in a window, further
//! attempts for that account, or from that address, are refused without
//! checking the password until the oldest failure leaves the window.
//!
//! In memory only: a restart forgets it, which at worst gives an attacker one
//! more window's worth of guesses. Bounded in memory whatever is sent.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures per account (username) within `window`.
    pub per_account: usize,
    /// Failures per client address within `window`, whatever the usernames.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_account: 5, per_address: 20, window: Duration::from_secs(15 * 60) }
    }
}

/// Most accounts or addresses tracked at once; past it the stalest is forgotten.
const MAX_KEYS: usize = 100_000;
/// Usernames are cut to this many characters as keys.
const MAX_KEY_CHARS: usize = 200;

#[derive(Debug, Default)]
pub struct Throttle {
    limits: Limits,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

/// One IPv6 client usually holds a whole /64, so it counts as one address.
fn address_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

fn account_key(username: &str) -> String {
    crate::accounts::normalise_username(&username.trim().chars().take(MAX_KEY_CHARS).collect::<String>())
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Throttle { limits, inner: Mutex::default() }
    }

    /// `Err(wait)` if a sign-in for `username` from `addr` must be refused now.
    pub fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Duration> {
        self.check_at(username, addr, Instant::now())
    }

    /// Count a failed sign-in.
    pub fn failed(&self, username: &str, addr: Option<IpAddr>) {
        self.failed_at(username, addr, Instant::now())
    }

    /// A successful sign-in clears the account's failures (not the address's:
    /// an attacker's own account must not reset their address's count).
    pub fn succeeded(&self, username: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.accounts.remove(&account_key(username));
    }

    fn check_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let Limits { per_account, per_address, window } = self.limits;
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let account = blocked_for(inner.accounts.get_mut(&account_key(username)), per_account, window, now);
        let address =
            addr.and_then(|a| blocked_for(inner.addresses.get_mut(&address_key(a)), per_address, window, now));
        match account.max(address) {
            Some(wait) => Err(wait.max(Duration::from_secs(1))),
            None => Ok(()),
        }
    }

    fn failed_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) {
        let Limits { per_account, per_address, window } = self.limits;
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        record(&mut inner.accounts, account_key(username), per_account, window, now);
        if let Some(a) = addr {
            record(&mut inner.addresses, address_key(a), per_address, window, now);
        }
    }
}

/// How long `failures` still blocks, after dropping those out of the window.
fn blocked_for(
    failures: Option<&mut VecDeque<Instant>>,
    limit: usize,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let failures = failures?;
    while failures.front().is_some_and(|&t| now.saturating_duration_since(t) >= window) {
        failures.pop_front();
    }
    (failures.len() >= limit)
        .then(|| failures.front().map_or(Duration::ZERO, |&t| (t + window).saturating_duration_since(now)))
}

fn record<K: Hash + Eq>(map: &mut HashMap<K, VecDeque<Instant>>, key: K, limit: usize, window: Duration, now: Instant) {
    if !map.contains_key(&key) && map.len() >= MAX_KEYS {
        map.retain(|_, f| f.back().is_some_and(|&t| now.saturating_duration_since(t) < window));
        if map.len() >= MAX_KEYS {
            // Still full of live keys (an attack from many names): forget the stalest.
            if let Some(stalest) = map.values().filter_map(|f| f.back().copied()).min() {
                map.retain(|_, f| f.back().copied() != Some(stalest));
            }
        }
    }
    let failures = map.entry(key).or_default();
    failures.push_back(now);
    // Only the newest `limit` failures decide whether the key is blocked.
    while failures.len() > limit.max(1) {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { per_account: 3, per_address: 5, window: Duration::from_secs(60) }
    }

    #[test]
    fn account_is_blocked_after_the_limit_until_the_window_passes() {
        let t = Throttle::new(limits());
        let start = Instant::now();
        let addr = Some("10.0.0.1".parse().unwrap());
        for i in 0..3 {
            assert!(t.check_at("Personal", addr, start).is_ok(), "attempt {i}");
            t.failed_at("personal ", addr, start + Duration::from_secs(i));
        }
        let wait = t.check_at("PERSONAL", None, start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50), "until the oldest failure is a window old");
        assert!(t.check_at("samordnare", addr, start + Duration::from_secs(10)).is_ok(), "other accounts are not");
        assert!(t.check_at("personal", addr, start + Duration::from_secs(60)).is_ok(), "the window passed");
    }

    #[test]
    fn address_is_blocked_across_usernames_and_success_clears_only_the_account() {
        let t = Throttle::new(limits());
        let now = Instant::now();
        let addr = Some("10.0.0.2".parse().unwrap());
        for i in 0..5 {
            t.failed_at(&format!("user{i}"), addr, now);
        }
        assert!(t.check_at("someone-else", addr, now).is_err());
        assert!(t.check_at("someone-else", Some("10.0.0.3".parse().unwrap()), now).is_ok());
        t.failed_at("a", None, now);
        t.failed_at("a", None, now);
        t.failed_at("a", None, now);
        assert!(t.check_at("a", None, now).is_err());
        t.succeeded("a");
        assert!(t.check_at("a", None, now).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn memory_stays_bounded() {
        let t = Throttle::new(limits());
        let now = Instant::now();
        for i in 0..(MAX_KEYS + 10) {
            t.failed_at(&i.to_string(), None, now + Duration::from_millis(i as u64));
        }
        let inner = t.inner.lock().unwrap();
        assert!(inner.accounts.len() <= MAX_KEYS);
        assert!(inner.accounts.contains_key(&(MAX_KEYS + 9).to_string()), "the newest is kept");
    }
}
