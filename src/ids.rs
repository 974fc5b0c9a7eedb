//! Typed numbers of instances and clients, so that one cannot be passed where the other is
//! meant, and per-instance vectors indexed by them without casts. Each is a `u32` underneath
//! (`repr(transparent)`), so events that carry them stay as small as before.

use std::fmt;
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

/// One `T` per instance, indexed by `InstanceId`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerInstance<T>(Vec<T>);

impl<T: Clone> PerInstance<T> {
    /// `count` copies of `value`.
    pub fn new(count: u32, value: T) -> Self {
        PerInstance(vec![value; count as usize])
    }
}

impl<T> PerInstance<T> {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `instance`, or None past the end (an empty vector holds no instance).
    pub fn get(&self, instance: InstanceId) -> Option<&T> {
        self.0.get(instance.index())
    }

    pub fn get_mut(&mut self, instance: InstanceId) -> Option<&mut T> {
        self.0.get_mut(instance.index())
    }

    /// The values in instance order.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.0.iter_mut()
    }
}

impl<T> FromIterator<T> for PerInstance<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        PerInstance(iter.into_iter().collect())
    }
}

impl<T> Index<InstanceId> for PerInstance<T> {
    type Output = T;
    fn index(&self, instance: InstanceId) -> &T {
        &self.0[instance.index()]
    }
}

impl<T> IndexMut<InstanceId> for PerInstance<T> {
    fn index_mut(&mut self, instance: InstanceId) -> &mut T {
        &mut self.0[instance.index()]
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
