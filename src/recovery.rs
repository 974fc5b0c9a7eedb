//! Recovery policies of a client: backoff with jitter between retries, the retry budget, the
//! circuit breaker. (Per-attempt timeouts, deadlines and hedging are steps of the request
//! lifecycle in `traffic::requests`, parameterised by `model::Recovery`.)

pub mod backoff;
pub mod breaker;
pub mod budget;
