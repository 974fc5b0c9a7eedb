//! The look-aside cache's state: which keys it holds, until when (TTL), and in which order of
//! use (LRU), in arrays indexed by key (at most `model::MAX_CACHE_KEYS`), so a lookup and a
//! fill cost O(1) and allocate nothing. An expired entry is dropped when a lookup finds it;
//! until then it keeps its place in the LRU order (as memcached's lazy expiry does).

use crate::engine::SimTime;
use crate::model::CacheConfig;

/// No key: the end of the LRU list.
const NIL: u32 = u32::MAX;

pub(super) struct Cache {
    config: CacheConfig,
    /// When each key's entry expires: 0 when the key is absent, `SimTime::MAX` without a TTL.
    expires: Vec<SimTime>,
    /// The LRU list, most recently used first (kept only with a capacity).
    newer: Vec<u32>,
    older: Vec<u32>,
    newest: u32,
    oldest: u32,
    len: u64,
}

impl Cache {
    pub(super) fn new(config: CacheConfig, keys: u64) -> Self {
        let listed = if config.capacity.is_some() { keys as usize } else { 0 };
        Cache {
            config,
            expires: vec![0; keys as usize],
            newer: vec![NIL; listed],
            older: vec![NIL; listed],
            newest: NIL,
            oldest: NIL,
            len: 0,
        }
    }

    pub(super) fn latency(&self) -> SimTime {
        self.config.latency
    }

    /// Whether `key` is held at `now`; a hit makes it the most recently used.
    pub(super) fn lookup(&mut self, key: u64, now: SimTime) -> bool {
        let expires = self.expires[key as usize];
        if expires == 0 {
            return false;
        }
        if expires <= now {
            self.remove(key as u32);
            return false;
        }
        if self.config.capacity.is_some() {
            self.unlink(key as u32);
            self.push_newest(key as u32);
        }
        true
    }

    /// A response for `key` reached its client at `now`: the key is (again) held, for `ttl`
    /// from now; without room, the least recently used entry makes way.
    pub(super) fn fill(&mut self, key: u64, now: SimTime) {
        let k = key as u32;
        let present = self.expires[key as usize] != 0;
        self.expires[key as usize] = self.config.ttl.map_or(SimTime::MAX, |ttl| now.saturating_add(ttl).max(1));
        let Some(capacity) = self.config.capacity else { return };
        if present {
            self.unlink(k);
        } else {
            if self.len == capacity {
                self.remove(self.oldest);
            }
            self.len += 1;
        }
        self.push_newest(k);
    }

    /// A restart: every entry is lost.
    pub(super) fn flush(&mut self) {
        self.expires.fill(0);
        self.newer.fill(NIL);
        self.older.fill(NIL);
        (self.newest, self.oldest, self.len) = (NIL, NIL, 0);
    }

    /// Drops `key`'s entry (present).
    fn remove(&mut self, key: u32) {
        self.expires[key as usize] = 0;
        if self.config.capacity.is_some() {
            self.unlink(key);
            self.len -= 1;
        }
    }

    fn unlink(&mut self, key: u32) {
        let (newer, older) = (self.newer[key as usize], self.older[key as usize]);
        match newer {
            NIL => self.newest = older,
            n => self.older[n as usize] = older,
        }
        match older {
            NIL => self.oldest = newer,
            o => self.newer[o as usize] = newer,
        }
    }

    fn push_newest(&mut self, key: u32) {
        self.newer[key as usize] = NIL;
        self.older[key as usize] = self.newest;
        match self.newest {
            NIL => self.oldest = key,
            n => self.newer[n as usize] = key,
        }
        self.newest = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl: Option<SimTime>, capacity: Option<u64>) -> Cache {
        Cache::new(CacheConfig { latency: 0, ttl, capacity, recovered: 0.9 }, 10)
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut c = cache(None, Some(2));
        c.fill(1, 1);
        c.fill(2, 2);
        assert!(c.lookup(1, 3), "1 is now the most recently used");
        c.fill(3, 4);
        assert!(!c.lookup(2, 5), "2 was the least recently used");
        assert!(c.lookup(1, 6) && c.lookup(3, 7));
        c.fill(3, 8);
        c.fill(4, 9);
        assert!(!c.lookup(1, 10) && c.lookup(3, 11) && c.lookup(4, 12));
        c.flush();
        assert!(!c.lookup(3, 13) && !c.lookup(4, 14));
        c.fill(5, 15);
        c.fill(6, 16);
        c.fill(7, 17);
        assert!(!c.lookup(5, 18) && c.lookup(6, 19) && c.lookup(7, 20));
    }

    #[test]
    fn ttl_expires_and_an_expired_entry_frees_its_place() {
        let mut c = cache(Some(10), Some(2));
        c.fill(1, 0);
        assert!(c.lookup(1, 9));
        assert!(!c.lookup(1, 10), "expired at fill + ttl");
        c.fill(2, 10);
        c.fill(3, 11);
        assert!(c.lookup(2, 12) && c.lookup(3, 12), "1 left no entry behind");
    }
}
