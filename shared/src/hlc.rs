//! Hybrid logical clock: orders edits from many devices without trusting
//! their wall clocks to agree (see docs/SYNC.md).
//!
//! A stamp is (wall milliseconds, counter, node). It serializes as a
//! fixed-width string whose byte order equals the stamp's order, so stores
//! can compare stamps as text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch.
    pub ms: u64,
    /// Orders events within the same millisecond.
    pub counter: u32,
    /// The device that made the stamp; breaks every remaining tie.
    pub node: u64,
}

/// How far ahead of the server's clock a change may be stamped before it is
/// refused, so one tablet with a wrong clock cannot win every conflict.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

impl Hlc {
    pub const ZERO: Hlc = Hlc { ms: 0, counter: 0, node: 0 };

    /// A fresh clock for a device, at no time yet.
    pub fn new(node: u64) -> Self {
        Hlc { ms: 0, counter: 0, node }
    }

    /// Stamp a local event at wall time `now_ms`. The result is strictly
    /// greater than every stamp this clock produced or received before.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.ms {
            self.ms = now_ms;
            self.counter = 0;
        } else {
            self.counter = self.counter.saturating_add(1);
        }
        *self
    }

    /// Advance past a stamp seen from elsewhere (a pulled record, the server's time).
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) {
        let ms = self.ms.max(remote.ms).max(now_ms);
        self.counter = if ms == self.ms && ms == remote.ms {
            self.counter.max(remote.counter).saturating_add(1)
        } else if ms == self.ms {
            self.counter.saturating_add(1)
        } else if ms == remote.ms {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        self.ms = ms;
    }
}

impl Hlc {
    /// The text form into `buf`, without the formatting machinery: a stamp is written for every
    /// field of every record stored and sent, and `write!` with widths was a visible share of the
    /// server's ingest. `None` beyond 15 digits of ms (year 33658): [`fmt::Display`] writes those.
    pub fn encode<'b>(&self, buf: &'b mut [u8; 43]) -> Option<&'b str> {
        if self.ms > 999_999_999_999_999 {
            return None;
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut ms = self.ms;
        for digit in buf[..15].iter_mut().rev() {
            *digit = b'0' + (ms % 10) as u8;
            ms /= 10;
        }
        buf[15] = b'-';
        let mut counter = self.counter;
        for digit in buf[16..26].iter_mut().rev() {
            *digit = b'0' + (counter % 10) as u8;
            counter /= 10;
        }
        buf[26] = b'-';
        for (i, digit) in buf[27..].iter_mut().enumerate() {
            *digit = HEX[((self.node >> (60 - 4 * i)) & 0xf) as usize];
        }
        std::str::from_utf8(buf).ok()
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:015}-{:010}-{:016x}`, by hand where it fits ([`Hlc::encode`]).
        match self.encode(&mut [0u8; 43]) {
            Some(text) => f.write_str(text),
            None => write!(f, "{:015}-{:010}-{:016x}", self.ms, self.counter, self.node),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ogiltig tidsstämpel: {0:?}")]
pub struct ParseHlcError(String);

impl FromStr for Hlc {
    type Err = ParseHlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseHlcError(s.chars().take(64).collect());
        let mut parts = s.split('-');
        let (Some(ms), Some(counter), Some(node), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        if ms.len() != 15 || counter.len() != 10 || node.len() != 16 {
            return Err(err());
        }
        Ok(Hlc {
            ms: ms.parse().map_err(|_| err())?,
            counter: counter.parse().map_err(|_| err())?,
            node: u64::from_str_radix(node, 16).map_err(|_| err())?,
        })
    }
}

/// On the wire a stamp is its text form, `{ms:015}-{counter:010}-{node:016x}`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Hlc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{15,}-[0-9]{10}-[0-9a-f]{16}$"))
            .description(Some("Hybrid logical clock stamp: milliseconds, counter, node (hex)."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Hlc {}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // As one string (a serializer's `collect_str` goes through `fmt`, piece by piece).
        match self.encode(&mut [0u8; 43]) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The node id of a device: the low 64 bits of its UUID (UUIDv4/v7 random bits).
pub fn node_of(device: uuid::Uuid) -> u64 {
    let b = device.as_u128();
    b as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let h = Hlc { ms: 1_732_000_000_123, counter: 7, node: 0xabc };
        assert_eq!(h.to_string(), "001732000000123-0000000007-0000000000000abc");
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"001732000000123-0000000007-0000000000000abc\"");
        assert_eq!("001732000000123-0000000007-0000000000000abc".parse::<Hlc>().unwrap(), h);
    }

    proptest! {
        #[test]
        fn display_is_the_padded_format(ms in prop_oneof![0u64..1_000_000_000_000_000, any::<u64>()], counter in any::<u32>(), node in any::<u64>()) {
            let h = Hlc { ms, counter, node };
            prop_assert_eq!(h.to_string(), format!("{:015}-{:010}-{:016x}", ms, counter, node));
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in ["", "1-2-3", "001732000000123-0000000007", "x01732000000123-0000000007-0000000000000abc"] {
            assert!(s.parse::<Hlc>().is_err(), "{s}");
        }
    }

    #[test]
    fn tick_is_monotonic_even_when_wall_clock_goes_back() {
        let mut c = Hlc::new(1);
        let a = c.tick(1000);
        let b = c.tick(999);
        let d = c.tick(1000);
        assert!(a < b && b < d);
    }

    #[test]
    fn observe_moves_past_remote() {
        let mut c = Hlc::new(1);
        c.tick(1000);
        c.observe(Hlc { ms: 5000, counter: 3, node: 2 }, 1001);
        let next = c.tick(1002);
        assert!(next > Hlc { ms: 5000, counter: 3, node: 2 });
    }

    proptest! {
        #[test]
        fn text_order_equals_stamp_order(a in any::<(u32, u32, u64)>(), b in any::<(u32, u32, u64)>()) {
            let a = Hlc { ms: a.0 as u64 * 1000, counter: a.1, node: a.2 };
            let b = Hlc { ms: b.0 as u64 * 1000, counter: b.1, node: b.2 };
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
            prop_assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        }
    }
}
