//! The discrete-event engine: simulated time, the event queue and seeded random streams.
//!
//! Invariant: this module knows nothing of services, registries, files or the command line.
//! It does no IO and uses no outer crate but the random generator. Everything the simulator
//! models is built on top of it, in `world` and the strategy modules.

pub mod lane;
pub mod ln;
pub mod queue;
pub mod random;
pub mod time;

pub use lane::TimerLane;
pub use queue::{EventQueue, Reservation};
pub use random::{LogAhead, RandomStreams, Stream};
pub use time::{NANOS_PER_SECOND, SimTime};
