//! Typed numbers of instances and clients, so that one cannot be passed where the other is
//! meant, and per-instance and per-client vectors indexed by them without casts. Each id is a
//! `u32` underneath (`repr(transparent)`), so events that carry them stay as small as before.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// Its position in a per-item vector.
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// Every id below `count`, in order.
            pub fn all(count: u32) -> impl DoubleEndedIterator<Item = Self> + ExactSizeIterator {
                (0..count).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// An instance of the service, numbered from 0.
    InstanceId
);
id!(
    /// A client of the service, numbered from 0.
    ClientId
);

/// What a typed vector is indexed by.
pub trait Id: Copy {
    /// Its position in a per-item vector.
    fn index(self) -> usize;
}

impl Id for InstanceId {
    fn index(self) -> usize {
        InstanceId::index(self)
    }
}

impl Id for ClientId {
    fn index(self) -> usize {
        ClientId::index(self)
    }
}

/// Asks the processor to start loading `item`'s first cache line, so that several cold reads
/// of one event overlap instead of waiting for each other in turn (at 10⁶ instances they are
/// most of an event's cost). A hint only: it changes nothing else.
#[inline]
pub fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no effect but on the cache; the address is a
    // live reference's.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}

/// One `T` per instance, indexed by `InstanceId`.
pub type PerInstance<T> = Per<InstanceId, T>;
/// One `T` per client, indexed by `ClientId`.
pub type PerClient<T> = Per<ClientId, T>;

/// A vector indexed by one kind of id only: the compiler refuses the other kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Per<I, T> {
    items: Vec<T>,
    /// `fn(I)`: the vector holds no `I`, so it is `Send` and `Sync` whatever `I` is.
    id: PhantomData<fn(I)>,
}

impl<I: Id, T: Clone> Per<I, T> {
    /// `count` copies of `value`.
    pub fn new(count: u32, value: T) -> Self {
        Per::from(vec![value; count as usize])
    }
}

impl<I: Id, T> Per<I, T> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The value of `id`, or None past the end (an empty vector holds no id).
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    /// The item of `id`, mutably, if in range.
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }

    /// The values in id order.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Starts loading `id`'s item into the cache (`prefetch`).
    #[inline]
    pub fn prefetch(&self, id: I) {
        if let Some(item) = self.items.get(id.index()) {
            prefetch(item);
        }
    }

    /// Iterates over the items mutably, in id order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }
}

impl<I, T> From<Vec<T>> for Per<I, T> {
    fn from(items: Vec<T>) -> Self {
        Per { items, id: PhantomData }
    }
}

impl<I, T> FromIterator<T> for Per<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Per::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<I: Id, T> Index<I> for Per<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for Per<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_as_small_as_their_number() {
        assert_eq!(size_of::<InstanceId>(), size_of::<u32>());
        assert_eq!(size_of::<Option<InstanceId>>(), size_of::<Option<u32>>());
    }

    #[test]
    fn per_instance_is_indexed_by_id() {
        let mut up = PerInstance::new(3, false);
        up[InstanceId(2)] = true;
        let all: Vec<InstanceId> = InstanceId::all(3).collect();
        assert_eq!(all, [InstanceId(0), InstanceId(1), InstanceId(2)]);
        assert_eq!(up.as_slice(), [false, false, true]);
        assert_eq!(up.get(InstanceId(3)), None);
    }
}
