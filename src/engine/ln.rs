//! The natural logarithm of the exponential draws: a port of Arm's optimized-routines `log`
//! (the one glibc and musl ship), bit-for-bit the same on every platform.
//!
//! Why not `libm::log`: the `libm` crate's `log` is FreeBSD's, with a division and some sixty
//! dependent operations; on the request path, where every arrival and every service time takes
//! one, it was 14 % of the run's samples. This one looks `1/c` up in a table of 128
//! subintervals instead of dividing: the request path takes about 3 % less CPU
//! (docs/performance.md). Both are within one unit in the last place (ulp) of the exact
//! logarithm (this one within 0.52 ulp). On uniform draws they differ in about 7 % of cases,
//! by one ulp, and there this one is the nearer to the exact value 99.5 % of the time (checked
//! against 200-bit `mpmath` on 3 000 such cases). A one-ulp change is about 10⁻¹⁶ of an
//! exponential duration, which is whole nanoseconds: it changes only if that moves it across a
//! nanosecond boundary. No output of the shipped scenarios changed.
//!
//! Portability: only additions, subtractions and multiplications of `f64`, which Rust rounds
//! as IEEE 754 prescribes and never fuses, and table look-ups: the same bits on every platform.
//! The routine's fused multiply-add variant is not used; its `(z − c_hi − c_lo) · (1/c)` path is.
//!
//! Source: github.com/ARM-software/optimized-routines, math/log.c and math/log_data.c
//! (LOG_TABLE_BITS = 7, LOG_POLY_ORDER = 6, LOG_POLY1_ORDER = 12), Copyright (c) 2018-2025
//! Arm Limited, SPDX-License-Identifier: MIT OR Apache-2.0 WITH LLVM-exception. The constants
//! are its hexadecimal floats, as bits. Its licence notice: assets/optimized-routines-LICENSE.txt.

/// ln(x) within 0.52 ulp; the special cases as IEEE 754 has them (ln 0 = −∞, ln of a negative
/// number or NaN is NaN, ln ∞ = ∞).
// Out of line, as a C library's `log` is: inlined, it made every caller of `LogAhead::prepare` larger
// and the request path slower (measured: 2.5 % more CPU).
#[inline(never)]
pub fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    if bits.wrapping_sub(NEAR_ONE_LOW) < NEAR_ONE_HIGH - NEAR_ONE_LOW {
        return ln_near_one(x);
    }
    let top = (bits >> 48) as u32;
    if top.wrapping_sub(0x0010) >= 0x7ff0 - 0x0010 {
        return ln_special(x);
    }
    ln_table(bits)
}

/// [1 − 2⁻⁴, 1 + 0x1.09p-4) as bits: there a polynomial in x − 1 alone is more accurate.
const NEAR_ONE_LOW: u64 = 0x3fee_0000_0000_0000;
const NEAR_ONE_HIGH: u64 = 0x3ff1_0900_0000_0000;
/// The bits of 0x1.6p-1: x = 2^k · z with z in [0x1.6p-1, 0x1.6p0).
const OFFSET: u64 = 0x3fe6_0000_0000_0000;

/// x = 2^k · z, z in the i-th of 128 subintervals around c: ln x = k·ln 2 + ln c + ln(z/c).
#[inline]
fn ln_table(bits: u64) -> f64 {
    let shifted = bits.wrapping_sub(OFFSET);
    let interval = &TABLE[((shifted >> (52 - 7)) % 128) as usize];
    let k = (shifted as i64 >> 52) as f64;
    let z = f64::from_bits(bits.wrapping_sub(shifted & (0xfff << 52)));
    // r ≈ z/c − 1, |r| < 1/256, with close to one rounding error.
    let r = (z - interval.c_hi - interval.c_lo) * interval.inv_c;
    let w = k * LN2_HI + interval.ln_c;
    let hi = w + r;
    let lo = w - hi + r + k * LN2_LO;
    let r2 = r * r;
    lo + r2 * A[0] + r * r2 * (A[1] + r * A[2] + r2 * (A[3] + r * A[4])) + hi
}

/// ln x for x near 1, from x − 1 (worst error about 0.507 ulp). Out of line: one exponential
/// draw in sixteen comes here.
#[inline(never)]
fn ln_near_one(x: f64) -> f64 {
    if x == 1.0 {
        return 0.0;
    }
    let r = x - 1.0;
    let (r2, r3) = (r * r, r * r * r);
    let mut y = r3
        * (B[1]
            + r * B[2]
            + r2 * B[3]
            + r3 * (B[4] + r * B[5] + r2 * B[6] + r3 * (B[7] + r * B[8] + r2 * B[9] + r3 * B[10])));
    // r² · B[0] (B[0] = −1/2) with r split in halves of 26 bits, so that the square is exact.
    let w = r * f64::from_bits(0x41a0_0000_0000_0000); // 2^27
    let r_hi = r + w - w;
    let r_lo = r - r_hi;
    let w = r_hi * r_hi * B[0];
    let hi = r + w;
    let lo = r - hi + w + B[0] * r_lo * (r_hi + r);
    y += lo;
    y + hi
}

/// Zero, subnormal, negative, infinite and NaN arguments.
#[cold]
fn ln_special(x: f64) -> f64 {
    let bits = x.to_bits();
    if bits << 1 == 0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    if bits >> 63 != 0 || x.is_nan() {
        return f64::NAN;
    }
    // Subnormal: scaled by 2^52 into the normal range, the exponent taken back.
    let scaled = (x * f64::from_bits(0x4330_0000_0000_0000)).to_bits() - (52 << 52);
    ln_table(scaled)
}

/// One subinterval of z: its centre c (chosen so that k·ln2_hi + ln c is exact), 1/c, ln c.
struct Interval {
    inv_c: f64,
    ln_c: f64,
    c_hi: f64,
    c_lo: f64,
}

const LN2_HI: f64 = f64::from_bits(0x3fe62e42fefa3800); // 0x1.62e42fefa3800p-1
const LN2_LO: f64 = f64::from_bits(0x3d2ef35793c76730); // 0x1.ef35793c76730p-45
/// log1p(r) − r ≈ r²·(A[0] + r·A[1] + …) for |r| < 1/256 (abs error 0x1.882ff33p-65).
const A: [f64; 5] = [
    f64::from_bits(0xbfe0000000000001), // -0x1.0000000000001p-1
    f64::from_bits(0x3fd555555551305b), // 0x1.555555551305bp-2
    f64::from_bits(0xbfcfffffffeb4590), // -0x1.fffffffeb459p-3
    f64::from_bits(0x3fc999b324f10111), // 0x1.999b324f10111p-3
    f64::from_bits(0xbfc55575e506c89f), // -0x1.55575e506c89fp-3
];
/// log(1 + r) for x = 1 + r near 1 (relative error 0x1.c04d76cp-63).
const B: [f64; 11] = [
    f64::from_bits(0xbfe0000000000000), // -0x1p-1
    f64::from_bits(0x3fd5555555555577), // 0x1.5555555555577p-2
    f64::from_bits(0xbfcffffffffffdcb), // -0x1.ffffffffffdcbp-3
    f64::from_bits(0x3fc999999995dd0c), // 0x1.999999995dd0cp-3
    f64::from_bits(0xbfc55555556745a7), // -0x1.55555556745a7p-3
    f64::from_bits(0x3fc24924a344de30), // 0x1.24924a344de3p-3
    f64::from_bits(0xbfbfffffa4423d65), // -0x1.fffffa4423d65p-4
    f64::from_bits(0x3fbc7184282ad6ca), // 0x1.c7184282ad6cap-4
    f64::from_bits(0xbfb999eb43b068ff), // -0x1.999eb43b068ffp-4
    f64::from_bits(0x3fb78182f7afd085), // 0x1.78182f7afd085p-4
    f64::from_bits(0xbfb5521375d145cd), // -0x1.5521375d145cdp-4
];
const TABLE: [Interval; 128] = [
    Interval {
        inv_c: f64::from_bits(0x3ff734f0c3e0de9f),
        ln_c: f64::from_bits(0xbfd7cc7f79e69000),
        c_hi: f64::from_bits(0x3fe61000014fb66b),
        c_lo: f64::from_bits(0x3c7e026c91425b3c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff713786a2ce91f),
        ln_c: f64::from_bits(0xbfd76feec20d0000),
        c_hi: f64::from_bits(0x3fe63000034db495),
        c_lo: f64::from_bits(0x3c8dbfea48005d41),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff6f26008fab5a0),
        ln_c: f64::from_bits(0xbfd713e31351e000),
        c_hi: f64::from_bits(0x3fe650000d94d478),
        c_lo: f64::from_bits(0x3c8e7fa786d6a5b7),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff6d1a61f138c7d),
        ln_c: f64::from_bits(0xbfd6b85b38287800),
        c_hi: f64::from_bits(0x3fe67000074e6fad),
        c_lo: f64::from_bits(0x3c61fcea6b54254c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff6b1490bc5b4d1),
        ln_c: f64::from_bits(0xbfd65d5590807800),
        c_hi: f64::from_bits(0x3fe68ffffedf0fae),
        c_lo: f64::from_bits(0xbc7c7e274c590efd),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff69147332f0cba),
        ln_c: f64::from_bits(0xbfd602d076180000),
        c_hi: f64::from_bits(0x3fe6b0000763c5bc),
        c_lo: f64::from_bits(0xbc8ac16848dcda01),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff6719f18224223),
        ln_c: f64::from_bits(0xbfd5a8ca86909000),
        c_hi: f64::from_bits(0x3fe6d0001e5cc1f6),
        c_lo: f64::from_bits(0x3c833f1c9d499311),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff6524f99a51ed9),
        ln_c: f64::from_bits(0xbfd54f4356035000),
        c_hi: f64::from_bits(0x3fe6efffeb05f63e),
        c_lo: f64::from_bits(0xbc7e80041ae22d53),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff63356aa8f24c4),
        ln_c: f64::from_bits(0xbfd4f637c36b4000),
        c_hi: f64::from_bits(0x3fe710000e869780),
        c_lo: f64::from_bits(0x3c7bff6671097952),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff614b36b9ddc14),
        ln_c: f64::from_bits(0xbfd49da7fda85000),
        c_hi: f64::from_bits(0x3fe72ffffc67e912),
        c_lo: f64::from_bits(0x3c8c00e226bd8724),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff5f66452c65c4c),
        ln_c: f64::from_bits(0xbfd445923989a800),
        c_hi: f64::from_bits(0x3fe74fffdf81116a),
        c_lo: f64::from_bits(0xbc6e02916ef101d2),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff5d867b5912c4f),
        ln_c: f64::from_bits(0xbfd3edf439b0b800),
        c_hi: f64::from_bits(0x3fe770000f679c90),
        c_lo: f64::from_bits(0xbc67fc71cd549c74),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff5babccb5b90de),
        ln_c: f64::from_bits(0xbfd396ce448f7000),
        c_hi: f64::from_bits(0x3fe78ffffa7ec835),
        c_lo: f64::from_bits(0x3c81bec19ef50483),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff59d61f2d91a78),
        ln_c: f64::from_bits(0xbfd3401e17bda000),
        c_hi: f64::from_bits(0x3fe7affffe20c2e6),
        c_lo: f64::from_bits(0xbc707e1729cc6465),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff5805612465687),
        ln_c: f64::from_bits(0xbfd2e9e2ef468000),
        c_hi: f64::from_bits(0x3fe7cfffed3fc900),
        c_lo: f64::from_bits(0xbc808072087b8b1c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff56397cee76bd3),
        ln_c: f64::from_bits(0xbfd2941b3830e000),
        c_hi: f64::from_bits(0x3fe7efffe9261a76),
        c_lo: f64::from_bits(0x3c8dc0286d9df9ae),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff54725e2a77f93),
        ln_c: f64::from_bits(0xbfd23ec58cda8800),
        c_hi: f64::from_bits(0x3fe81000049ca3e8),
        c_lo: f64::from_bits(0x3c897fd251e54c33),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff52aff42064583),
        ln_c: f64::from_bits(0xbfd1e9e129279000),
        c_hi: f64::from_bits(0x3fe8300017932c8f),
        c_lo: f64::from_bits(0xbc8afee9b630f381),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff50f22dbb2bddf),
        ln_c: f64::from_bits(0xbfd1956d2b48f800),
        c_hi: f64::from_bits(0x3fe850000633739c),
        c_lo: f64::from_bits(0x3c89bfbf6b6535bc),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff4f38f4734ded7),
        ln_c: f64::from_bits(0xbfd141679ab9f800),
        c_hi: f64::from_bits(0x3fe87000204289c6),
        c_lo: f64::from_bits(0xbc8bbf65f3117b75),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff4d843cfde2840),
        ln_c: f64::from_bits(0xbfd0edd094ef9800),
        c_hi: f64::from_bits(0x3fe88fffebf57904),
        c_lo: f64::from_bits(0xbc89006ea23dcb57),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff4bd3ec078a3c8),
        ln_c: f64::from_bits(0xbfd09aa518db1000),
        c_hi: f64::from_bits(0x3fe8b00022bc04df),
        c_lo: f64::from_bits(0xbc7d00df38e04b0a),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff4a27fc3e0258a),
        ln_c: f64::from_bits(0xbfd047e65263b800),
        c_hi: f64::from_bits(0x3fe8cfffe50c1b8a),
        c_lo: f64::from_bits(0xbc88007146ff9f05),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff4880524d48434),
        ln_c: f64::from_bits(0xbfcfeb224586f000),
        c_hi: f64::from_bits(0x3fe8effffc918e43),
        c_lo: f64::from_bits(0x3c83817bd07a7038),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff46dce1b192d0b),
        ln_c: f64::from_bits(0xbfcf474a7517b000),
        c_hi: f64::from_bits(0x3fe910001efa5fc7),
        c_lo: f64::from_bits(0x3c893e9176dfb403),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff453d9d3391854),
        ln_c: f64::from_bits(0xbfcea4443d103000),
        c_hi: f64::from_bits(0x3fe9300013467bb9),
        c_lo: f64::from_bits(0x3c7f804e4b980276),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff43a2744b4845a),
        ln_c: f64::from_bits(0xbfce020d44e9b000),
        c_hi: f64::from_bits(0x3fe94fffe6ee076f),
        c_lo: f64::from_bits(0xbc8f7ef0d9ff622e),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff420b54115f8fb),
        ln_c: f64::from_bits(0xbfcd60a22977f000),
        c_hi: f64::from_bits(0x3fe96fffde3c12d1),
        c_lo: f64::from_bits(0xbc7082aa962638ba),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff40782da3ef4b1),
        ln_c: f64::from_bits(0xbfccc00104959000),
        c_hi: f64::from_bits(0x3fe98ffff4458a0d),
        c_lo: f64::from_bits(0xbc87801b9164a8ef),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3ee8f5d57fe8f),
        ln_c: f64::from_bits(0xbfcc202956891000),
        c_hi: f64::from_bits(0x3fe9afffdd982e3e),
        c_lo: f64::from_bits(0xbc8740e08a5a9337),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3d5d9a00b4ce9),
        ln_c: f64::from_bits(0xbfcb81178d811000),
        c_hi: f64::from_bits(0x3fe9cfffed49fb66),
        c_lo: f64::from_bits(0x3c3fce08c19be000),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3bd60c010c12b),
        ln_c: f64::from_bits(0xbfcae2c9ccd3d000),
        c_hi: f64::from_bits(0x3fe9f00020f19c51),
        c_lo: f64::from_bits(0xbc8a3faa27885b0a),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3a5242b75dab8),
        ln_c: f64::from_bits(0xbfca45402e129000),
        c_hi: f64::from_bits(0x3fea10001145b006),
        c_lo: f64::from_bits(0x3c74ff489958da56),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff38d22cd9fd002),
        ln_c: f64::from_bits(0xbfc9a877681df000),
        c_hi: f64::from_bits(0x3fea300007bbf6fa),
        c_lo: f64::from_bits(0x3c8cbeab8a2b6d18),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3755bc5847a1c),
        ln_c: f64::from_bits(0xbfc90c6d69483000),
        c_hi: f64::from_bits(0x3fea500010971d79),
        c_lo: f64::from_bits(0x3c88fecadd787930),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff35dce49ad36e2),
        ln_c: f64::from_bits(0xbfc87120a645c000),
        c_hi: f64::from_bits(0x3fea70001df52e48),
        c_lo: f64::from_bits(0xbc8f41763dd8abdb),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff34679984dd440),
        ln_c: f64::from_bits(0xbfc7d68fb4143000),
        c_hi: f64::from_bits(0x3fea90001c593352),
        c_lo: f64::from_bits(0xbc8ebf0284c27612),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff32f5cceffcb24),
        ln_c: f64::from_bits(0xbfc73cb83c627000),
        c_hi: f64::from_bits(0x3feab0002a4f3e4b),
        c_lo: f64::from_bits(0xbc69fd043cff3f5f),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff3187775a10d49),
        ln_c: f64::from_bits(0xbfc6a39a9b376000),
        c_hi: f64::from_bits(0x3feacfffd7ae1ed1),
        c_lo: f64::from_bits(0xbc823ee7129070b4),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff301c8373e3990),
        ln_c: f64::from_bits(0xbfc60b3154b7a000),
        c_hi: f64::from_bits(0x3feaefffee510478),
        c_lo: f64::from_bits(0x3c6a063ee00edea3),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2eb4ebb95f841),
        ln_c: f64::from_bits(0xbfc5737d76243000),
        c_hi: f64::from_bits(0x3feb0fffdb650d5b),
        c_lo: f64::from_bits(0x3c5a06c8381f0ab9),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2d50a0219a9d1),
        ln_c: f64::from_bits(0xbfc4dc7b8fc23000),
        c_hi: f64::from_bits(0x3feb2ffffeaaca57),
        c_lo: f64::from_bits(0xbc79011e74233c1d),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2bef9a8b7fd2a),
        ln_c: f64::from_bits(0xbfc4462c51d20000),
        c_hi: f64::from_bits(0x3feb4fffd995badc),
        c_lo: f64::from_bits(0xbc79ff1068862a9f),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2a91c7a0c1bab),
        ln_c: f64::from_bits(0xbfc3b08abc830000),
        c_hi: f64::from_bits(0x3feb7000249e659c),
        c_lo: f64::from_bits(0x3c8aff45d0864f3e),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff293726014b530),
        ln_c: f64::from_bits(0xbfc31b996b490000),
        c_hi: f64::from_bits(0x3feb8ffff9871640),
        c_lo: f64::from_bits(0x3c7cfe7796c2c3f9),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff27dfa5757a1f5),
        ln_c: f64::from_bits(0xbfc2875490a44000),
        c_hi: f64::from_bits(0x3febafffd204cb4f),
        c_lo: f64::from_bits(0xbc63ff27eef22bc4),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff268b39b1d3bbf),
        ln_c: f64::from_bits(0xbfc1f3b9f879a000),
        c_hi: f64::from_bits(0x3febcfffd2415c45),
        c_lo: f64::from_bits(0xbc6cffb7ee3bea21),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2539d838ff5bd),
        ln_c: f64::from_bits(0xbfc160c8252ca000),
        c_hi: f64::from_bits(0x3febeffff86309df),
        c_lo: f64::from_bits(0xbc814103972e0b5c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff23eb7aac9083b),
        ln_c: f64::from_bits(0xbfc0ce7f57f72000),
        c_hi: f64::from_bits(0x3fec0fffe1b57653),
        c_lo: f64::from_bits(0x3c8bc16494b76a19),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff22a012ba940b6),
        ln_c: f64::from_bits(0xbfc03cdc49fea000),
        c_hi: f64::from_bits(0x3fec2ffff1fa57e3),
        c_lo: f64::from_bits(0xbc64feef8d30c6ed),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff2157996cc4132),
        ln_c: f64::from_bits(0xbfbf57bdbc4b8000),
        c_hi: f64::from_bits(0x3fec4fffdcbfe424),
        c_lo: f64::from_bits(0xbc843f68bcec4775),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff201201dd2fc9b),
        ln_c: f64::from_bits(0xbfbe370896404000),
        c_hi: f64::from_bits(0x3fec6fffed54b9f7),
        c_lo: f64::from_bits(0x3c847ea3f053e0ec),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1ecf4494d480b),
        ln_c: f64::from_bits(0xbfbd17983ef94000),
        c_hi: f64::from_bits(0x3fec8fffeb998fd5),
        c_lo: f64::from_bits(0x3c7383068df992f1),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1d8f5528f6569),
        ln_c: f64::from_bits(0xbfbbf9674ed8a000),
        c_hi: f64::from_bits(0x3fecb0002125219a),
        c_lo: f64::from_bits(0xbc68fd8e64180e04),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1c52311577e7c),
        ln_c: f64::from_bits(0xbfbadc79202f6000),
        c_hi: f64::from_bits(0x3feccfffdd94469c),
        c_lo: f64::from_bits(0x3c8e7ebe1cc7ea72),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1b17c74cb26e9),
        ln_c: f64::from_bits(0xbfb9c0c3e7288000),
        c_hi: f64::from_bits(0x3fecefffeafdc476),
        c_lo: f64::from_bits(0x3c8ebe39ad9f88fe),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff19e010c2c1ab6),
        ln_c: f64::from_bits(0xbfb8a646b372c000),
        c_hi: f64::from_bits(0x3fed1000169af82b),
        c_lo: f64::from_bits(0x3c757d91a8b95a71),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff18ab07bb670bd),
        ln_c: f64::from_bits(0xbfb78d01b3ac0000),
        c_hi: f64::from_bits(0x3fed30000d0ff71d),
        c_lo: f64::from_bits(0x3c89c1906970c7da),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1778a25efbcb6),
        ln_c: f64::from_bits(0xbfb674f145380000),
        c_hi: f64::from_bits(0x3fed4fffea790fc4),
        c_lo: f64::from_bits(0xbc580e37c558fe0c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff1648d354c31da),
        ln_c: f64::from_bits(0xbfb55e0e6d878000),
        c_hi: f64::from_bits(0x3fed70002edc87e5),
        c_lo: f64::from_bits(0xbc7f80d64dc10f44),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff151b990275fdd),
        ln_c: f64::from_bits(0xbfb4485cdea1e000),
        c_hi: f64::from_bits(0x3fed900021dc82aa),
        c_lo: f64::from_bits(0xbc747c8f94fd5c5c),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff13f0ea432d24c),
        ln_c: f64::from_bits(0xbfb333d94d6aa000),
        c_hi: f64::from_bits(0x3fedafffd86b0283),
        c_lo: f64::from_bits(0x3c8c7f1dc521617e),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff12c8b7210f9da),
        ln_c: f64::from_bits(0xbfb22079f8c56000),
        c_hi: f64::from_bits(0x3fedd000296c4739),
        c_lo: f64::from_bits(0x3c88019eb2ffb153),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff11a3028ecb531),
        ln_c: f64::from_bits(0xbfb10e4698622000),
        c_hi: f64::from_bits(0x3fedefffe54490f5),
        c_lo: f64::from_bits(0x3c6e00d2c652cc89),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff107fbda8434af),
        ln_c: f64::from_bits(0xbfaffa6c6ad20000),
        c_hi: f64::from_bits(0x3fee0fffcdabf694),
        c_lo: f64::from_bits(0xbc7f8340202d69d2),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0f5ee0f4e6bb3),
        ln_c: f64::from_bits(0xbfadda8d4a774000),
        c_hi: f64::from_bits(0x3fee2fffdb52c8dd),
        c_lo: f64::from_bits(0x3c7b00c1ca1b0864),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0e4065d2a9fce),
        ln_c: f64::from_bits(0xbfabbcece4850000),
        c_hi: f64::from_bits(0x3fee4ffff24216ef),
        c_lo: f64::from_bits(0x3c72ffa8b094ab51),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0d244632ca521),
        ln_c: f64::from_bits(0xbfa9a1894012c000),
        c_hi: f64::from_bits(0x3fee6fffe88a5e11),
        c_lo: f64::from_bits(0xbc57f673b1efbe59),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0c0a77ce2981a),
        ln_c: f64::from_bits(0xbfa788583302c000),
        c_hi: f64::from_bits(0x3fee9000119eff0d),
        c_lo: f64::from_bits(0xbc84808d5e0bc801),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0af2f83c636d1),
        ln_c: f64::from_bits(0xbfa5715e67d68000),
        c_hi: f64::from_bits(0x3feeafffdfa51744),
        c_lo: f64::from_bits(0x3c780006d54320b5),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff09ddb98a01339),
        ln_c: f64::from_bits(0xbfa35c8a49658000),
        c_hi: f64::from_bits(0x3feed0001a127fa1),
        c_lo: f64::from_bits(0xbc5002f860565c92),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff08cabaf52e7df),
        ln_c: f64::from_bits(0xbfa149e364154000),
        c_hi: f64::from_bits(0x3feef00007babcc4),
        c_lo: f64::from_bits(0xbc8540445d35e611),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff07b9f2f4e28fb),
        ln_c: f64::from_bits(0xbf9e72c082eb8000),
        c_hi: f64::from_bits(0x3fef0ffff57a8d02),
        c_lo: f64::from_bits(0xbc4ffb3139ef9105),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff06ab58c358f19),
        ln_c: f64::from_bits(0xbf9a55f152528000),
        c_hi: f64::from_bits(0x3fef30001ee58ac7),
        c_lo: f64::from_bits(0x3c8a81acf2731155),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff059eea5ecf92c),
        ln_c: f64::from_bits(0xbf963d62cf818000),
        c_hi: f64::from_bits(0x3fef4ffff5823494),
        c_lo: f64::from_bits(0x3c8a3f41d4d7c743),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff04949cdd12c90),
        ln_c: f64::from_bits(0xbf9228fb8caa0000),
        c_hi: f64::from_bits(0x3fef6ffffca94c6b),
        c_lo: f64::from_bits(0xbc6202f41c987875),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff038c6c6f0ada9),
        ln_c: f64::from_bits(0xbf8c317b20f90000),
        c_hi: f64::from_bits(0x3fef8fffe1f9c441),
        c_lo: f64::from_bits(0x3c777dd1f477e74b),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff02865137932a9),
        ln_c: f64::from_bits(0xbf8419355daa0000),
        c_hi: f64::from_bits(0x3fefafffd2e0e37e),
        c_lo: f64::from_bits(0xbc6f01199a7ca331),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff0182427ea7348),
        ln_c: f64::from_bits(0xbf781203c2ec0000),
        c_hi: f64::from_bits(0x3fefd0001c77e49e),
        c_lo: f64::from_bits(0x3c7181ee4bceacb1),
    },
    Interval {
        inv_c: f64::from_bits(0x3ff008040614b195),
        ln_c: f64::from_bits(0xbf60040979240000),
        c_hi: f64::from_bits(0x3fefeffff7e0c331),
        c_lo: f64::from_bits(0xbc6e05370170875a),
    },
    Interval {
        inv_c: f64::from_bits(0x3fefe01ff726fa1a),
        ln_c: f64::from_bits(0x3f6feff384900000),
        c_hi: f64::from_bits(0x3ff00ffff465606e),
        c_lo: f64::from_bits(0xbc8a7ead491c0ada),
    },
    Interval {
        inv_c: f64::from_bits(0x3fefa11cc261ea74),
        ln_c: f64::from_bits(0x3f87dc41353d0000),
        c_hi: f64::from_bits(0x3ff02ffff3867a58),
        c_lo: f64::from_bits(0xbc977f69c3fcb2e0),
    },
    Interval {
        inv_c: f64::from_bits(0x3fef6310b081992e),
        ln_c: f64::from_bits(0x3f93cea3c4c28000),
        c_hi: f64::from_bits(0x3ff04ffffdfc0d17),
        c_lo: f64::from_bits(0x3c97bffe34cb945b),
    },
    Interval {
        inv_c: f64::from_bits(0x3fef25f63ceeadcd),
        ln_c: f64::from_bits(0x3f9b9fc114890000),
        c_hi: f64::from_bits(0x3ff0700003cd4d82),
        c_lo: f64::from_bits(0x3c820083c0e456cb),
    },
    Interval {
        inv_c: f64::from_bits(0x3feee9c8039113e7),
        ln_c: f64::from_bits(0x3fa1b0d8ce110000),
        c_hi: f64::from_bits(0x3ff08ffff9f2cbe8),
        c_lo: f64::from_bits(0xbc6dffdfbe37751a),
    },
    Interval {
        inv_c: f64::from_bits(0x3feeae8078cbb1ab),
        ln_c: f64::from_bits(0x3fa58a5bd001c000),
        c_hi: f64::from_bits(0x3ff0b000010cda65),
        c_lo: f64::from_bits(0xbc913f7faee626eb),
    },
    Interval {
        inv_c: f64::from_bits(0x3fee741aa29d0c9b),
        ln_c: f64::from_bits(0x3fa95c8340d88000),
        c_hi: f64::from_bits(0x3ff0d00001a4d338),
        c_lo: f64::from_bits(0x3c807dfa79489ff7),
    },
    Interval {
        inv_c: f64::from_bits(0x3fee3a91830a99b5),
        ln_c: f64::from_bits(0x3fad276aef578000),
        c_hi: f64::from_bits(0x3ff0effffadafdfd),
        c_lo: f64::from_bits(0xbc77040570d66bc0),
    },
    Interval {
        inv_c: f64::from_bits(0x3fee01e009609a56),
        ln_c: f64::from_bits(0x3fb07598e598c000),
        c_hi: f64::from_bits(0x3ff110000bbafd96),
        c_lo: f64::from_bits(0x3c8e80d4846d0b62),
    },
    Interval {
        inv_c: f64::from_bits(0x3fedca01e577bb98),
        ln_c: f64::from_bits(0x3fb253f5e30d2000),
        c_hi: f64::from_bits(0x3ff12ffffae5f45d),
        c_lo: f64::from_bits(0x3c9dbffa64fd36ef),
    },
    Interval {
        inv_c: f64::from_bits(0x3fed92f20b7c9103),
        ln_c: f64::from_bits(0x3fb42edd8b380000),
        c_hi: f64::from_bits(0x3ff150000dd59ad9),
        c_lo: f64::from_bits(0x3c9a0077701250ae),
    },
    Interval {
        inv_c: f64::from_bits(0x3fed5cac66fb5cce),
        ln_c: f64::from_bits(0x3fb606598757c000),
        c_hi: f64::from_bits(0x3ff170000f21559a),
        c_lo: f64::from_bits(0x3c8dfdf9e2e3deee),
    },
    Interval {
        inv_c: f64::from_bits(0x3fed272caa5ede9d),
        ln_c: f64::from_bits(0x3fb7da76356a0000),
        c_hi: f64::from_bits(0x3ff18ffffc275426),
        c_lo: f64::from_bits(0x3c910030dc3b7273),
    },
    Interval {
        inv_c: f64::from_bits(0x3fecf26e3e6b2ccd),
        ln_c: f64::from_bits(0x3fb9ab434e1c6000),
        c_hi: f64::from_bits(0x3ff1b000123d3c59),
        c_lo: f64::from_bits(0x3c997f7980030188),
    },
    Interval {
        inv_c: f64::from_bits(0x3fecbe6da2a77902),
        ln_c: f64::from_bits(0x3fbb78c7bb0d6000),
        c_hi: f64::from_bits(0x3ff1cffff8299eb7),
        c_lo: f64::from_bits(0xbc65f932ab9f8c67),
    },
    Interval {
        inv_c: f64::from_bits(0x3fec8b266d37086d),
        ln_c: f64::from_bits(0x3fbd431332e72000),
        c_hi: f64::from_bits(0x3ff1effff48ad400),
        c_lo: f64::from_bits(0x3c937fbf9da75beb),
    },
    Interval {
        inv_c: f64::from_bits(0x3fec5894bd5d5804),
        ln_c: f64::from_bits(0x3fbf0a3171de6000),
        c_hi: f64::from_bits(0x3ff210000c8b86a4),
        c_lo: f64::from_bits(0x3c9f806b91fd5b22),
    },
    Interval {
        inv_c: f64::from_bits(0x3fec26b533bb9f8c),
        ln_c: f64::from_bits(0x3fc067152b914000),
        c_hi: f64::from_bits(0x3ff2300003854303),
        c_lo: f64::from_bits(0x3c93ffc2eb9fbf33),
    },
    Interval {
        inv_c: f64::from_bits(0x3febf583eeece73f),
        ln_c: f64::from_bits(0x3fc147858292b000),
        c_hi: f64::from_bits(0x3ff24fffffbcf684),
        c_lo: f64::from_bits(0x3c7601e77e2e2e72),
    },
    Interval {
        inv_c: f64::from_bits(0x3febc4fd75db96c1),
        ln_c: f64::from_bits(0x3fc2266ecdca3000),
        c_hi: f64::from_bits(0x3ff26ffff52921d9),
        c_lo: f64::from_bits(0x3c7ffcbb767f0c61),
    },
    Interval {
        inv_c: f64::from_bits(0x3feb951e0c864a28),
        ln_c: f64::from_bits(0x3fc303d7a6c55000),
        c_hi: f64::from_bits(0x3ff2900014933a3c),
        c_lo: f64::from_bits(0xbc7202ca3c02412b),
    },
    Interval {
        inv_c: f64::from_bits(0x3feb65e2c5ef3e2c),
        ln_c: f64::from_bits(0x3fc3dfc33c331000),
        c_hi: f64::from_bits(0x3ff2b00014556313),
        c_lo: f64::from_bits(0xbc92808233f21f02),
    },
    Interval {
        inv_c: f64::from_bits(0x3feb374867c9888b),
        ln_c: f64::from_bits(0x3fc4ba366b7a8000),
        c_hi: f64::from_bits(0x3ff2cfffebfe523b),
        c_lo: f64::from_bits(0xbc88ff7e384fdcf2),
    },
    Interval {
        inv_c: f64::from_bits(0x3feb094b211d304a),
        ln_c: f64::from_bits(0x3fc5933928d1f000),
        c_hi: f64::from_bits(0x3ff2f0000bb8ad96),
        c_lo: f64::from_bits(0xbc85ff51503041c5),
    },
    Interval {
        inv_c: f64::from_bits(0x3feadbe885f2ef7e),
        ln_c: f64::from_bits(0x3fc66acd2418f000),
        c_hi: f64::from_bits(0x3ff30ffffb7ae2af),
        c_lo: f64::from_bits(0xbc810071885e289d),
    },
    Interval {
        inv_c: f64::from_bits(0x3feaaf1d31603da2),
        ln_c: f64::from_bits(0x3fc740f8ec669000),
        c_hi: f64::from_bits(0x3ff32ffffeac5f7f),
        c_lo: f64::from_bits(0xbc91ff5d3fb7b715),
    },
    Interval {
        inv_c: f64::from_bits(0x3fea82e63fd358a7),
        ln_c: f64::from_bits(0x3fc815c0f51af000),
        c_hi: f64::from_bits(0x3ff350000ca66756),
        c_lo: f64::from_bits(0x3c957f82228b82bd),
    },
    Interval {
        inv_c: f64::from_bits(0x3fea5740ef09738b),
        ln_c: f64::from_bits(0x3fc8e92954f68000),
        c_hi: f64::from_bits(0x3ff3700011fbf721),
        c_lo: f64::from_bits(0x3c8000bac40dd5cc),
    },
    Interval {
        inv_c: f64::from_bits(0x3fea2c2a90ab4b27),
        ln_c: f64::from_bits(0x3fc9bb3602f84000),
        c_hi: f64::from_bits(0x3ff38ffff9592fb9),
        c_lo: f64::from_bits(0xbc943f9d2db2a751),
    },
    Interval {
        inv_c: f64::from_bits(0x3fea01a01393f2d1),
        ln_c: f64::from_bits(0x3fca8bed1c2c0000),
        c_hi: f64::from_bits(0x3ff3b00004ddd242),
        c_lo: f64::from_bits(0x3c857f6b707638e1),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe9d79f24db3c1b),
        ln_c: f64::from_bits(0x3fcb5b515c01d000),
        c_hi: f64::from_bits(0x3ff3cffff5b2c957),
        c_lo: f64::from_bits(0x3c7a023a10bf1231),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe9ae2505c7b190),
        ln_c: f64::from_bits(0x3fcc2967ccbcc000),
        c_hi: f64::from_bits(0x3ff3efffeab0b418),
        c_lo: f64::from_bits(0x3c987f6d66b152b0),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe9852ef297ce2f),
        ln_c: f64::from_bits(0x3fccf635d5486000),
        c_hi: f64::from_bits(0x3ff410001532aff4),
        c_lo: f64::from_bits(0x3c67f8375f198524),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe95cbaeea44b75),
        ln_c: f64::from_bits(0x3fcdc1bd3446c000),
        c_hi: f64::from_bits(0x3ff4300017478b29),
        c_lo: f64::from_bits(0x3c8301e672dc5143),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe934c69de74838),
        ln_c: f64::from_bits(0x3fce8c01b8cfe000),
        c_hi: f64::from_bits(0x3ff44fffe795b463),
        c_lo: f64::from_bits(0x3c89ff69b8b2895a),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe90d4f2f6752e6),
        ln_c: f64::from_bits(0x3fcf5509c0179000),
        c_hi: f64::from_bits(0x3ff46fffe80475e0),
        c_lo: f64::from_bits(0xbc95c0b19bc2f254),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe8e6528effd79d),
        ln_c: f64::from_bits(0x3fd00e6c121fb800),
        c_hi: f64::from_bits(0x3ff48fffef6fc1e7),
        c_lo: f64::from_bits(0x3c9b4009f23a2a72),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe8bfce9fcc007c),
        ln_c: f64::from_bits(0x3fd071b80e93d000),
        c_hi: f64::from_bits(0x3ff4afffe5bea704),
        c_lo: f64::from_bits(0xbc94ffb7bf0d7d45),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe899c0dabec30e),
        ln_c: f64::from_bits(0x3fd0d46b9e867000),
        c_hi: f64::from_bits(0x3ff4d000171027de),
        c_lo: f64::from_bits(0xbc99c06471dc6a3d),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe87427aa2317fb),
        ln_c: f64::from_bits(0x3fd13687334bd000),
        c_hi: f64::from_bits(0x3ff4f0000ff03ee2),
        c_lo: f64::from_bits(0x3c977f890b85531c),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe84f00acb39a08),
        ln_c: f64::from_bits(0x3fd1980d67234800),
        c_hi: f64::from_bits(0x3ff5100012dc4bd1),
        c_lo: f64::from_bits(0x3c6004657166a436),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe82a49e8653e55),
        ln_c: f64::from_bits(0x3fd1f8ffe0cc8000),
        c_hi: f64::from_bits(0x3ff530001605277a),
        c_lo: f64::from_bits(0xbc96bfcece233209),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe8060195f40260),
        ln_c: f64::from_bits(0x3fd2595fd7636800),
        c_hi: f64::from_bits(0x3ff54fffecdb704c),
        c_lo: f64::from_bits(0xbc8902720505a1d7),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe7e22563e0a329),
        ln_c: f64::from_bits(0x3fd2b9300914a800),
        c_hi: f64::from_bits(0x3ff56fffef5f54a9),
        c_lo: f64::from_bits(0x3c9bbfe60ec96412),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe7beb377dcb5ad),
        ln_c: f64::from_bits(0x3fd3187210436000),
        c_hi: f64::from_bits(0x3ff5900017e61012),
        c_lo: f64::from_bits(0x3c887ec581afef90),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe79baa679725c2),
        ln_c: f64::from_bits(0x3fd377266dec1800),
        c_hi: f64::from_bits(0x3ff5b00003c93e92),
        c_lo: f64::from_bits(0xbc9f41080abf0cc0),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe77907f2170657),
        ln_c: f64::from_bits(0x3fd3d54ffbaf3000),
        c_hi: f64::from_bits(0x3ff5d0001d4919bc),
        c_lo: f64::from_bits(0xbc98812afb254729),
    },
    Interval {
        inv_c: f64::from_bits(0x3fe756cadbd6130c),
        ln_c: f64::from_bits(0x3fd432eee32fe000),
        c_hi: f64::from_bits(0x3ff5efffe7b87a89),
        c_lo: f64::from_bits(0xbc947eb780ed6904),
    },
];

#[cfg(test)]
mod tests {
    use super::ln;
    use crate::engine::RandomStreams;

    /// Distance in units in the last place between two finite values of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// libm's `log` and this one are both within one ulp of the exact logarithm (FreeBSD's
    /// error analysis; Arm's: 0.52 ulp), so where both hold they are at most one ulp apart
    /// (they cannot straddle the exact value by a full ulp each and still round to
    /// representables two apart). A wrong table entry or coefficient breaks that by far more.
    fn check(x: f64) {
        let (ours, reference) = (ln(x), libm::log(x));
        assert!(ulps(ours, reference) <= 1, "ln({x:e}) = {ours:e}, libm {reference:e}");
    }

    #[test]
    fn within_one_ulp_of_libm_on_uniform_draws() {
        // The arguments the exponential draws take: uniforms in (0, 1] with 53 bits.
        let mut stream = RandomStreams::new(7).stream(1u64, 0);
        for _ in 0..1 << 20 {
            check(stream.uniform_open0());
        }
    }

    #[test]
    fn within_one_ulp_of_libm_in_every_subinterval_and_binade() {
        // 64 points in each of the 128 subintervals of z, at exponents from subnormal to huge,
        // and densely around 1 (the polynomial path and its edges).
        for exponent in [-1074, -1022, -600, -60, -3, -1, 0, 1, 5, 300, 1020] {
            for step in 0..128 * 64 {
                let z = 0.6875 * (1.0 + step as f64 / (128.0 * 64.0));
                check(z * libm::exp2(exponent as f64));
            }
        }
        for step in -20_000..20_000 {
            check(1.0 + step as f64 * 4e-6);
        }
    }

    #[test]
    fn special_values() {
        assert_eq!(ln(1.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan() && ln(f64::NEG_INFINITY).is_nan());
        assert_eq!(ln(std::f64::consts::E), 1.0);
        assert_eq!(ln(2.0), std::f64::consts::LN_2);
        assert_eq!(ln(f64::MIN_POSITIVE * f64::EPSILON), -744.4400719213812);
    }
}
