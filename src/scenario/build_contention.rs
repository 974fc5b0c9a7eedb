//! Checks the contention workload (`[workload] kind = "contention"`) and builds its model:
//! clients, and the backoff of `[recovery.retry]`; the keys of the request path are refused.

use super::error::KeyError;
use super::file::RawWorkload;
use crate::model::{Contention, NetworkModel};
use crate::recovery::Retry;

/// The workload kinds `[workload] kind` accepts.
const KINDS: &[&str] = &["requests", "contention"];
/// Most contention clients: each costs a few events per conflict, and conflicts grow with
/// the square of the clients without backoff.
const MAX_CLIENTS: u32 = 100_000;

/// Whether `workload` asks for the contention workload (an unknown kind is an error).
pub(super) fn is_contention(workload: Option<&RawWorkload>) -> Result<bool, KeyError> {
    match workload.and_then(|w| w.kind.as_deref()) {
        None | Some("requests") => Ok(false),
        Some("contention") => Ok(true),
        Some(other) => Err(KeyError::unknown_name("workload.kind", "workload kind", other, KINDS)),
    }
}

/// The contention workload of `w`, with `[recovery.retry]` (absent: one write per client)
/// over `network`. The request path's tables and keys are refused: they would mean nothing.
pub(super) fn contention(
    w: &RawWorkload,
    request_tables: [(&str, bool); 2],
    recovery: Option<toml::Table>,
    network: &NetworkModel,
) -> Result<Contention, KeyError> {
    let request_keys = [
        ("workload.rate", w.rate.is_some()),
        ("workload.keys", w.keys.is_some()),
        ("workload.key_dist", w.key_dist.is_some()),
        ("workload.zipf_exponent", w.zipf_exponent.is_some()),
        ("workload.availability_bin", w.availability_bin.is_some()),
        ("workload.fanout", w.fanout.is_some()),
        ("workload.quorum", w.quorum.is_some()),
    ];
    if let Some((key, _)) = request_keys.iter().chain(&request_tables).find(|(_, given)| *given) {
        return Err(KeyError::new(*key, "belongs to the request path, which the contention workload does not have")
            .allowed("with kind = \"contention\": workload.clients, [recovery.retry] and [network]"));
    }
    if w.clients == 0 || w.clients > MAX_CLIENTS {
        return Err(KeyError::new("workload.clients", format!("{} is out of range", w.clients))
            .allowed(format!("1 to {MAX_CLIENTS}")));
    }
    if network.loss > 0.0 {
        return Err(KeyError::new(
            "network.loss",
            "the contention workload has no timeouts: a lost message would stall its client",
        )
        .allowed("0 (or no `loss`) with [workload] kind = \"contention\""));
    }
    Ok(Contention { clients: w.clients, retry: retry(recovery)? })
}

/// `[recovery.retry]`, the only part of `[recovery]` a contention client uses.
fn retry(recovery: Option<toml::Table>) -> Result<Retry, KeyError> {
    let Some(table) = recovery else { return Ok(Retry::none()) };
    if let Some(key) = table.keys().find(|k| k.as_str() != "retry") {
        return Err(KeyError::unknown_name(format!("recovery.{key}"), "key", key, &["retry"])
            .allowed("retry: the contention workload uses only [recovery.retry]"));
    }
    Ok(crate::recovery::parse(Some(table), "recovery")?.retry)
}
