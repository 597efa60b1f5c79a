//! Failed authentications, limited per client address. Tokens are 32 random bytes, so guessing one
//! is hopeless; what the limit stops is a client on the hall network that keeps sending bad tokens
//! (a misconfigured tablet, a scanner) from costing the database a lookup per request and filling
//! the log.
//!
//! Each address has a leaky bucket: a failure adds one, the bucket drains `limit` per `window`.
//! While it holds `limit` or more, every request from that address that presents a token is
//! refused with 429 before the token is looked up, a valid one too (otherwise the answer would
//! tell a guesser when it had found one). IPv6 clients are counted by their /64 prefix, which is
//! what one host can rotate through.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked at most; beyond this, drained buckets are dropped, and if none is drained a
/// new address is not tracked (logged) rather than letting the table grow without bound.
const MAX_CLIENTS: usize = 65_536;

#[derive(Debug)]
pub struct AuthFailures {
    limit: f64,
    /// Failures drained per second.
    rate: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

impl Bucket {
    fn level_at(&self, now: Instant, rate: f64) -> f64 {
        let drained = now.saturating_duration_since(self.at).as_secs_f64() * rate;
        (self.level - drained).max(0.0)
    }
}

/// The client key: the address, or an IPv6 address's /64 network.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl AuthFailures {
    /// At most `limit` failures per `window` from one client (`limit` >= 1).
    pub fn new(limit: u32, window: Duration) -> Self {
        let limit = f64::from(limit.max(1));
        AuthFailures {
            limit,
            rate: limit / window.as_secs_f64().max(1e-3),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Some(wait)` while `client` is over its limit: how long until it may try again.
    pub fn blocked(&self, client: IpAddr) -> Option<Duration> {
        self.blocked_at(client, Instant::now())
    }

    fn blocked_at(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let bucket = *self.buckets().get(&client_key(client))?;
        let level = bucket.level_at(now, self.rate);
        // Room for one more failure once the level is down to limit - 1.
        (level > self.limit - 1.0)
            .then(|| Duration::from_secs_f64((level - (self.limit - 1.0)) / self.rate))
    }

    /// Counts a failed authentication from `client`; true when it has now reached its limit.
    pub fn record(&self, client: IpAddr) -> bool {
        self.record_at(client, Instant::now())
    }

    fn record_at(&self, client: IpAddr, now: Instant) -> bool {
        let key = client_key(client);
        let mut buckets = self.buckets();
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&key) {
            buckets.retain(|_, b| b.level_at(now, self.rate) > 0.0);
            if buckets.len() >= MAX_CLIENTS {
                tracing::warn!(client = %key, "too many addresses failing authentication to track");
                return false;
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            level: 0.0,
            at: now,
        });
        bucket.level = bucket.level_at(now, self.rate) + 1.0;
        bucket.at = now;
        bucket.level > self.limit - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_is_blocked_at_its_limit_and_drains_back() {
        // 3 per 3 s: one failure drains per second.
        let f = AuthFailures::new(3, Duration::from_secs(3));
        let t0 = Instant::now();
        let a = ip("10.0.0.7");
        assert!(!f.record_at(a, t0));
        assert!(!f.record_at(a, t0));
        assert_eq!(f.blocked_at(a, t0), None);
        assert!(f.record_at(a, t0), "the third failure reaches the limit");
        let wait = f.blocked_at(a, t0).expect("blocked");
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-9, "{wait:?}");
        // Half a second on: still blocked for the other half.
        let half = f.blocked_at(a, t0 + Duration::from_millis(500)).unwrap();
        assert!((half.as_secs_f64() - 0.5).abs() < 1e-9, "{half:?}");
        // After a second there is room for one more failure, and only one.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(f.blocked_at(a, t1), None);
        assert!(f.record_at(a, t1));
        assert!(f.blocked_at(a, t1).is_some());
        // Fully drained after the window.
        assert_eq!(f.blocked_at(a, t1 + Duration::from_secs(3)), None);
    }

    #[test]
    fn clients_are_counted_apart() {
        let f = AuthFailures::new(1, Duration::from_secs(60));
        let t = Instant::now();
        assert!(f.record_at(ip("10.0.0.1"), t));
        assert!(f.blocked_at(ip("10.0.0.1"), t).is_some());
        assert_eq!(f.blocked_at(ip("10.0.0.2"), t), None);
    }

    #[test]
    fn an_ipv6_host_is_one_client_across_its_64_and_mapped_v4_is_v4() {
        let f = AuthFailures::new(1, Duration::from_secs(60));
        let t = Instant::now();
        f.record_at(ip("2001:db8:1:2::1"), t);
        assert!(f.blocked_at(ip("2001:db8:1:2:ffff::9"), t).is_some());
        assert_eq!(f.blocked_at(ip("2001:db8:1:3::1"), t), None);
        f.record_at(ip("::ffff:192.0.2.5"), t);
        assert!(f.blocked_at(ip("192.0.2.5"), t).is_some());
    }

    #[test]
    fn the_table_stays_bounded() {
        let f = AuthFailures::new(5, Duration::from_secs(60));
        let t = Instant::now();
        for i in 0..MAX_CLIENTS as u32 {
            f.record_at(IpAddr::V4(std::net::Ipv4Addr::from(i)), t);
        }
        // Full of live buckets: a new address is not tracked.
        assert!(!f.record_at(ip("255.255.255.255"), t));
        assert_eq!(f.buckets().len(), MAX_CLIENTS);
        // Once the old ones have drained, they make room.
        let later = t + Duration::from_secs(61);
        f.record_at(ip("255.255.255.255"), later);
        assert_eq!(f.buckets().len(), 1);
    }
}
