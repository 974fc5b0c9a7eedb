//! A slab of reusable slots with generation counters: in-flight requests, attempts and server
//! jobs live here, and events refer to them by `Ref`. A freed slot's generation changes, so an
//! event that outlived its object (a late response, a stale timeout) finds it gone. Slots are
//! reused, so after warm-up nothing is allocated per request.
//!
//! A slot's generation is odd while it holds a value and even while it is free, and a freed
//! slot keeps its stale value until it is reused: a lookup is one comparison of the generation,
//! with no `Option` tag to test or write (three slabs, about ten lookups per request).

/// A reference to a slab slot at a given generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ref {
    /// The slot's index.
    pub slot: u32,
    /// The slot's generation when the reference was made.
    pub generation: u32,
}

pub(super) struct Slab<T> {
    /// Each slot's generation (odd: live) and its value (stale while the slot is free).
    items: Vec<(u32, T)>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { items: Vec::new(), free: Vec::new() }
    }
}

impl<T: Copy> Slab<T> {
    #[inline(always)]
    pub(super) fn insert(&mut self, value: T) -> Ref {
        if let Some(slot) = self.free.pop() {
            let entry = &mut self.items[slot as usize];
            entry.0 = entry.0.wrapping_add(1);
            entry.1 = value;
            return Ref { slot, generation: entry.0 };
        }
        self.items.push((1, value));
        Ref { slot: self.items.len() as u32 - 1, generation: 1 }
    }

    /// The live value `r` refers to. A `Ref` is only ever made with an odd (live) generation,
    /// so an equal generation means the same live value.
    #[inline(always)]
    pub(super) fn get(&self, r: Ref) -> Option<&T> {
        match self.items.get(r.slot as usize) {
            Some((generation, value)) if *generation == r.generation => Some(value),
            _ => None,
        }
    }

    #[inline(always)]
    pub(super) fn get_mut(&mut self, r: Ref) -> Option<&mut T> {
        match self.items.get_mut(r.slot as usize) {
            Some((generation, value)) if *generation == r.generation => Some(value),
            _ => None,
        }
    }

    #[inline(always)]
    pub(super) fn remove(&mut self, r: Ref) -> Option<T> {
        let entry = self.items.get_mut(r.slot as usize)?;
        if entry.0 != r.generation {
            return None;
        }
        entry.0 = entry.0.wrapping_add(1);
        self.free.push(r.slot);
        Some(entry.1)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_references_find_nothing_and_slots_are_reused() {
        let mut slab = Slab::default();
        let a = slab.insert("a");
        assert_eq!(slab.remove(a), Some("a"));
        let b = slab.insert("b");
        assert_eq!(b.slot, a.slot, "the slot is reused");
        assert_eq!(slab.get(a), None, "the old reference is stale");
        assert_eq!(slab.remove(a), None);
        assert_eq!(slab.get(b), Some(&"b"));
        assert_eq!(slab.len(), 1);
    }
}
