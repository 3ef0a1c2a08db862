//! A quirk of `snarkjs zkey new` that the circuit hash (csHash) depends on.
//!
//! hashHPoints hashes tauG1[i + m] - tauG1[i] for i < m - 1 (m = domainSize),
//! in chunks of 2^14 points, but every chunk has the full 2^14 points
//! (`n = Math.min(domainSize-1, CHUNK_SIZE)`), so once m > 2^14 it hashes m
//! points, the last being tauG1[2m - 1] - tauG1[m - 1]. When the ptau's power
//! is exactly log2(m), section 2 has only 2m - 1 points and that read runs into
//! the next 64 bytes of the file: section 3's header and the start of its first
//! point (the G2 generator). snarkjs' WebAssembly subtracts points from those
//! bytes as they are, so this module replays its field arithmetic bit for bit
//! on possibly unreduced 256-bit values (where wrap-arounds break congruence
//! mod q), and returns the point snarkjs hashes.

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, PrimeField};

use crate::encoding::{g1_to_lem, g2_to_lem, G1_BYTES, G2_BYTES, N8};
use crate::error::{Error, Result};

type Raw = [u64; 4];

const Q: Raw = Fq::MODULUS.0;

/// The 64 bytes after a dev ptau's section 2 (as dev-ptau and snarkjs lay it
/// out: section 3, tauG2, follows, with 2^power points of which the first is the generator).
pub fn bytes_after_tau_g1(power: u32) -> [u8; G1_BYTES] {
    let mut out = [0u8; G1_BYTES];
    let mut g2 = [0u8; G2_BYTES];
    g2_to_lem(&mut g2, &G2Affine::generator());
    out[0..4].copy_from_slice(&3u32.to_le_bytes());
    out[4..12].copy_from_slice(&(((1u64 << power) * G2_BYTES as u64).to_le_bytes()));
    out[12..].copy_from_slice(&g2[..G1_BYTES - 12]);
    out
}

/// What snarkjs' g1m_subAffine + batchToAffine make of `garbage - p` (both as
/// stored: Montgomery limbs, little-endian), as a proper affine point.
pub fn sub_affine(garbage: &[u8; G1_BYTES], p: &G1Affine) -> Result<G1Affine> {
    let mut stored = [0u8; G1_BYTES];
    g1_to_lem(&mut stored, p);
    let (x1, y1) = (raw(&garbage[..N8]), raw(&garbage[N8..]));
    // g1m_negAffine(p), then g1m_addAffine(garbage, -p)
    let (x2, y2) = (raw(&stored[..N8]), f_sub(&[0; 4], &raw(&stored[N8..])));
    if is_zero(&x1) && is_zero(&y1) || is_zero(&x2) && is_zero(&y2) || x1 == x2 {
        // the special cases of g1m_addAffine; the bytes in question never hit them
        return Err(Error::Input(
            "unexpected special case replaying snarkjs' H-point hash".into(),
        ));
    }
    let h = f_sub(&x2, &x1);
    let y2_minus_y1 = f_sub(&y2, &y1);
    let hh = f_mul(&h, &h);
    let i = f_add(&hh, &hh);
    let i = f_add(&i, &i);
    let j = f_mul(&h, &i);
    let r = f_add(&y2_minus_y1, &y2_minus_y1);
    let v = f_mul(&x1, &i);
    let r2 = f_mul(&r, &r);
    let v2 = f_add(&v, &v);
    let x3 = f_sub(&f_sub(&r2, &j), &v2);
    let y1_j = f_mul(&y1, &j);
    let y1_j2 = f_add(&y1_j, &y1_j);
    let y3 = f_sub(&f_mul(&f_sub(&v, &x3), &r), &y1_j2);
    let z3 = f_add(&h, &h);
    // batchToAffine and LEMtoU only multiply, invert and reduce: congruent mod q from here on
    let (x, y, z) = (montgomery(&x3), montgomery(&y3), montgomery(&z3));
    let zi = z
        .inverse()
        .ok_or_else(|| Error::Input("H-point hash replay: Z is zero".into()))?;
    let zi2 = zi.square();
    Ok(G1Affine::new_unchecked(x * zi2, y * zi2 * zi))
}

fn raw(bytes: &[u8]) -> Raw {
    let mut r = [0u64; 4];
    for (i, limb) in r.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
    }
    r
}

/// The field element whose Montgomery form is `r` (which may be >= q).
fn montgomery(r: &Raw) -> Fq {
    let mut v = *r;
    while !lt(&v, &Q) {
        v = sub(&v, &Q).0;
    }
    Fq::new_unchecked(BigInt(v))
}

fn is_zero(a: &Raw) -> bool {
    a.iter().all(|&l| l == 0)
}

fn lt(a: &Raw, b: &Raw) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// 256-bit add with carry out (wasmcurves' int_add).
fn add(a: &Raw, b: &Raw) -> (Raw, bool) {
    let mut r = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let s = a[i] as u128 + b[i] as u128 + carry;
        r[i] = s as u64;
        carry = s >> 64;
    }
    (r, carry != 0)
}

/// 256-bit subtract with borrow out (wasmcurves' int_sub).
fn sub(a: &Raw, b: &Raw) -> (Raw, bool) {
    let mut r = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow as u64);
        r[i] = d2;
        borrow = b1 || b2;
    }
    (r, borrow)
}

/// f1m_add: on carry subtract q once (wrapping), else subtract q if >= q.
fn f_add(a: &Raw, b: &Raw) -> Raw {
    let (r, carry) = add(a, b);
    if carry || !lt(&r, &Q) {
        sub(&r, &Q).0
    } else {
        r
    }
}

/// f1m_sub: on borrow add q once (wrapping).
fn f_sub(a: &Raw, b: &Raw) -> Raw {
    let (r, borrow) = sub(a, b);
    if borrow {
        add(&r, &Q).0
    } else {
        r
    }
}

/// f1m_mul and f1m_square: T = (a*b + m*q) / 2^256 with m making the low half
/// vanish (unique, whatever the digit order), then subtract q once on carry or if T >= q.
fn f_mul(a: &Raw, b: &Raw) -> Raw {
    let mut t = [0u64; 9];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let s = t[i + j] as u128 + a[i] as u128 * b[j] as u128 + carry;
            t[i + j] = s as u64;
            carry = s >> 64;
        }
        t[i + 4] = carry as u64;
    }
    let q_inv = q_inv_neg();
    for i in 0..4 {
        let m = t[i].wrapping_mul(q_inv);
        let mut carry = 0u128;
        for j in 0..4 {
            let s = t[i + j] as u128 + m as u128 * Q[j] as u128 + carry;
            t[i + j] = s as u64;
            carry = s >> 64;
        }
        let mut k = i + 4;
        while carry != 0 {
            let s = t[k] as u128 + carry;
            t[k] = s as u64;
            carry = s >> 64;
            k += 1;
        }
    }
    let r: Raw = [t[4], t[5], t[6], t[7]];
    if t[8] != 0 || !lt(&r, &Q) {
        sub(&r, &Q).0
    } else {
        r
    }
}

/// -q^-1 mod 2^64, by Newton iteration.
fn q_inv_neg() -> u64 {
    let mut inv = 1u64;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(Q[0].wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn reduced_inputs_follow_the_field() {
        let mut rng = ark_std::test_rng();
        for _ in 0..100 {
            let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            assert_eq!(montgomery(&f_mul(&a.0 .0, &b.0 .0)), a * b);
            assert_eq!(montgomery(&f_add(&a.0 .0, &b.0 .0)), a + b);
            assert_eq!(montgomery(&f_sub(&a.0 .0, &b.0 .0)), a - b);
        }
    }

    #[test]
    fn on_curve_inputs_give_the_true_difference() {
        let g = G1Affine::generator();
        let p = (g * ark_bn254::Fr::from(5u64)).into();
        let mut bytes = [0u8; G1_BYTES];
        g1_to_lem(&mut bytes, &(g * ark_bn254::Fr::from(12u64)).into());
        let expected: G1Affine = (g * ark_bn254::Fr::from(7u64)).into();
        assert_eq!(sub_affine(&bytes, &p).ok(), Some(expected));
    }
}
