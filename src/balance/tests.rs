//! Balancer tests: choices stay in the view, failover avoids tried instances, and the
//! key-affine schemes move about 1/n of the keys when one instance goes (modulo: most).

use super::*;
use crate::engine::RandomStreams;
use crate::ids::{ClientId, InstanceId, PerInstance};
use crate::model::StreamKind;

fn balancer(kind: &str) -> Box<dyn Balancer> {
    let table: toml::Table = toml::from_str(&format!("kind = \"{kind}\"")).unwrap();
    parse(Some(table), "balancer").unwrap().build(50, 2)
}

/// The instance each of `keys` keys goes to, with instances `down` out of the view.
fn assignment(b: &mut dyn Balancer, n: u32, down: &[u32], keys: u64) -> Vec<Option<u32>> {
    let live: Vec<InstanceId> = (0..n).filter(|i| !down.contains(i)).map(InstanceId).collect();
    let is_live: PerInstance<bool> = (0..n).map(|i| !down.contains(&i)).collect();
    let outstanding = PerInstance::new(n, 0);
    let mut rng = RandomStreams::new(1).stream(StreamKind::Detector, 0);
    (0..keys)
        .map(|key| {
            b.pick(&mut Pick {
                client: ClientId(0),
                key,
                live: &live,
                is_live: &is_live,
                outstanding: &outstanding,
                tried: &[],
                rng: &mut rng,
            })
            .map(|i| i.0)
        })
        .collect()
}

/// One of n = 50 instances leaves the view. Consistent schemes move only its keys: the moved
/// fraction is Binomial-like around 1/n = 0.02 (over 20 000 keys, sd ~ 0.001; checked within
/// [0.01, 0.035] to allow for the departed instance's uneven share). Modulo moves about
/// (n−1)/n of them.
#[test]
fn one_removal_moves_about_one_nth_of_keys_except_modulo() {
    for kind in ["ring", "rendezvous", "jump", "maglev", "modulo"] {
        let mut b = balancer(kind);
        assert!(b.key_affine());
        let before = assignment(b.as_mut(), 50, &[], 20_000);
        let after = assignment(b.as_mut(), 50, &[17], 20_000);
        let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count() as f64 / 20_000.0;
        if kind == "modulo" {
            assert!(moved > 0.9, "{kind}: moved {moved}");
        } else {
            assert!((0.01..0.035).contains(&moved), "{kind}: moved {moved}");
            // Only the departed instance's keys moved — except for Maglev, which trades a few
            // extra moves for its even table (Eisenbud et al. 2016, section 3.4).
            if kind != "maglev" {
                assert!(before.iter().zip(&after).all(|(a, b)| a == b || *a == Some(17)), "{kind}");
            }
        }
        assert!(after.iter().all(|c| *c != Some(17) && c.is_some()), "{kind}: picks stay in the view");
    }
}

#[test]
fn failover_skips_tried_instances_and_gives_up_when_all_are_tried() {
    for kind in names() {
        let mut b = balancer(kind);
        let (three, five) = (InstanceId(3), InstanceId(5));
        let live = vec![three, five];
        let mut is_live = PerInstance::new(50, false);
        is_live[three] = true;
        is_live[five] = true;
        let outstanding = PerInstance::new(50, 0);
        let mut rng = RandomStreams::new(1).stream(StreamKind::Detector, 0);
        let mut pick = |tried: &[InstanceId]| {
            b.pick(&mut Pick {
                client: ClientId(1),
                key: 42,
                live: &live,
                is_live: &is_live,
                outstanding: &outstanding,
                tried,
                rng: &mut rng,
            })
        };
        let first = pick(&[]).unwrap_or_else(|| panic!("{kind}: no pick"));
        assert!(first == three || first == five, "{kind}");
        let second = pick(&[first]).unwrap();
        assert_ne!(second, first, "{kind}: failover");
        assert_eq!(pick(&[three, five]), None, "{kind}");
    }
}

/// At equal load, the power of two choices keeps the maximum far below uniform random:
/// with n bins and n balls, random's max is ~ ln n / ln ln n, p2c's ~ ln ln n / ln 2.
#[test]
fn power_of_two_choices_has_a_far_lower_maximum_than_random() {
    let n = 1000u32;
    let max_load = |kind: &str| {
        let mut b = balancer(kind);
        let live: Vec<InstanceId> = InstanceId::all(n).collect();
        let is_live = PerInstance::new(n, true);
        let mut load = PerInstance::new(n, 0u32);
        let mut rng = RandomStreams::new(2).stream(StreamKind::Detector, 0);
        for key in 0..n as u64 * 10 {
            let i = b
                .pick(&mut Pick {
                    client: ClientId(0),
                    key,
                    live: &live,
                    is_live: &is_live,
                    outstanding: &load,
                    tried: &[],
                    rng: &mut rng,
                })
                .unwrap();
            load[i] += 1;
        }
        *load.as_slice().iter().max().unwrap()
    };
    let (random, p2c) = (max_load("random"), max_load("p2c"));
    // 10 balls per bin on average: random's max is ~ 10 + 3.2·sqrt(10) ≈ 20-25; p2c's ≈ 11-12.
    assert!(p2c <= 13, "p2c max {p2c}");
    assert!(random >= 18, "random max {random}");
}

#[test]
fn options_for_another_balancer_are_refused() {
    let table: toml::Table = toml::from_str("kind = \"random\"\nvnodes = 10").unwrap();
    let e = parse(Some(table), "balancer").unwrap_err();
    assert_eq!(e.key, "balancer.vnodes");
    let table: toml::Table = toml::from_str("kind = \"maglev\"\ntable_size = 1000").unwrap();
    assert_eq!(parse(Some(table), "balancer").unwrap_err().key, "balancer.table_size");
    let table: toml::Table = toml::from_str("kind = \"rign\"").unwrap();
    assert_eq!(parse(Some(table), "balancer").unwrap_err().suggestion.as_deref(), Some("ring"));
}

/// Every balancer, with its defaults, picks only instances of the view and never one tried.
#[test]
fn every_balancer_picks_inside_the_view_and_avoids_tried_ones() {
    for table in BALANCERS.iter().flat_map(crate::params::examples) {
        let mut b = parse(Some(table.clone()), "balancer").unwrap().build(50, 2);
        let down = [3, 17, 40];
        for choice in assignment(b.as_mut(), 50, &down, 500) {
            let i = choice.unwrap();
            assert!(i < 50 && !down.contains(&i), "{table}: picked {i}");
        }
    }
}

/// `(kind, table)`'s key-space shares over `n` instances, all in the view.
fn shares(table: &str, n: u32) -> Vec<f64> {
    let table: toml::Table = toml::from_str(table).unwrap();
    parse(Some(table), "balancer").unwrap().build(n, 1).key_shares(n).unwrap()
}

/// Maglev (Eisenbud et al., NSDI 2016, section 3.4): the table is filled one entry per backend
/// per round, each backend taking its next preferred free slot, so every backend ends with
/// ⌊M/n⌋ or ⌈M/n⌉ of the M entries — exactly, on every table.
#[test]
fn maglev_entries_per_instance_are_floor_or_ceiling_of_m_over_n() {
    for (n, m) in [(1000u32, 1009u64), (1000, 65537), (7, 13), (50, 65537), (3, 3)] {
        let (floor, ceiling) = (m / n as u64, m.div_ceil(n as u64));
        let shares = shares(&format!("kind = \"maglev\"\ntable_size = {m}"), n);
        for (i, s) in shares.iter().enumerate() {
            let entries = (s * m as f64).round() as u64;
            assert!(entries == floor || entries == ceiling, "n={n}, M={m}: instance {i} holds {entries}");
        }
        let extra = shares.iter().filter(|s| (*s * m as f64).round() as u64 > floor).count() as u64;
        assert_eq!(extra, if floor == ceiling { 0 } else { m % n as u64 }, "n={n}, M={m}");
    }
}

/// Modulo's shares of the 2^64 hashes are exact: they differ by one hash and sum to 1.
#[test]
fn modulo_shares_are_equal() {
    let shares = shares("kind = \"modulo\"", 7);
    assert!(shares.iter().all(|s| (s - 1.0 / 7.0).abs() < 1e-15));
}

/// Jump hash (Lamping and Veach 2014) and rendezvous give each key to each of n instances
/// with probability 1/n, so the counts of `SHARE_SAMPLE` keys are multinomial and Pearson's
/// statistic Σ (c − S/n)²/(S/n) = S · (share sd over mean)² is χ² with n − 1 degrees of
/// freedom: it must fall within that law's 0.1 % and 99.9 % quantiles.
#[test]
fn jump_and_rendezvous_shares_pass_pearsons_test() {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let n = 200u32;
    let law = ChiSquared::new((n - 1) as f64).unwrap();
    for kind in ["jump", "rendezvous"] {
        let shares = shares(&format!("kind = \"{kind}\""), n);
        let [sd, ..] = crate::metrics::load_spread::share_spread(&shares);
        let pearson = SHARE_SAMPLE as f64 * sd * sd;
        let (low, high) = (law.inverse_cdf(0.001), law.inverse_cdf(0.999));
        assert!((low..high).contains(&pearson), "{kind}: χ² {pearson} outside [{low}, {high}]");
    }
}

/// Balancers that do not map keys to instances have no shares.
#[test]
fn only_key_affine_balancers_have_shares() {
    for kind in names() {
        let b = balancer(kind);
        assert_eq!(b.key_shares(50).is_some(), b.key_affine(), "{kind}");
    }
}
