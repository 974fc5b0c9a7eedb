//! The state of the simulated cluster: each instance's true up/down state (`Instances`) and the
//! registry's belief about it (`Registry`), scored against the truth on every change.
//!
//! The registry may act on a detector's verdicts only at periodic sweeps (`eviction`); stages
//! that remove long-unlisted instances (`removal`) follow its listings. Otherwise
//! plain state with no behaviour of its own: the world changes it, detectors reach the registry
//! through `detect::DetectorCtx`, and the request path reads both through `traffic::TrafficCtx`.

pub mod eviction;
pub mod instances;
pub mod parts;
pub mod registry;
pub mod removal;
pub mod self_preservation;

pub use eviction::{Eviction, EvictionConfig};
pub use instances::Instances;
pub use parts::{PARTS, RegistryConfig};
pub use registry::Registry;
pub use removal::{Removal, RemovalConfig};
pub use self_preservation::{SelfPreservation, SelfPreservationConfig};
