//! discosim: a deterministic discrete-event simulator of service discovery and fault tolerance.
//!
//! Data flows one way: scenario file → typed model (`scenario`, `model`) → runs (`run`,
//! `world`, on the pure `engine`, calling strategies through traits in `detect`) → metrics
//! (`metrics`, `stats`) → files (`output`). See ARCHITECTURE.md for the map and invariants.

#![warn(missing_docs)]
#![warn(unnameable_types)]

pub mod balance;
pub(crate) mod bench;
pub mod chart;
pub mod cli;
pub(crate) mod cluster;
pub(crate) mod compare;
pub(crate) mod contention;
pub mod detect;
pub mod dist;
pub mod engine;
pub mod exit;
pub(crate) mod expect;
pub(crate) mod formulas;
pub mod ids;
pub(crate) mod input;
pub mod metrics;
pub mod model;
pub mod output;
pub mod params;
pub(crate) mod preflight;
pub mod presets;
pub mod recovery;
pub(crate) mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod strategies;
pub(crate) mod traffic;
pub(crate) mod tune;
pub mod world;
