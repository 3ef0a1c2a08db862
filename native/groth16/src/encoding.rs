//! snarkjs' byte encodings of BN254 values, mapped onto arkworks types.
//!
//! Curve points (in .ptau and .zkey files) are affine coordinates in
//! Montgomery form, little-endian, 32 bytes per base-field element; G2
//! coordinates are (c0, c1) pairs; the point at infinity is all zeros.
//! arkworks keeps field elements in Montgomery form with the same R = 2^256,
//! so a coordinate's bytes are exactly an arkworks `Fq`'s internal limbs.
//! Scalars in .wtns files are plain (not Montgomery) little-endian integers.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField};

use crate::error::{Error, Result};

pub const N8: usize = 32;
pub const G1_BYTES: usize = 2 * N8;
pub const G2_BYTES: usize = 4 * N8;

fn limbs(bytes: &[u8]) -> BigInt<4> {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
    }
    BigInt(l)
}

fn put_limbs(out: &mut [u8], b: &BigInt<4>) {
    for (i, limb) in b.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

/// A base-field element stored in Montgomery form.
fn fq_from_lem(bytes: &[u8]) -> Result<Fq> {
    let b = limbs(bytes);
    if b >= Fq::MODULUS {
        return Err(Error::Format(
            "curve coordinate is not reduced modulo q".into(),
        ));
    }
    Ok(Fq::new_unchecked(b))
}

fn fq_to_lem(out: &mut [u8], x: &Fq) {
    put_limbs(out, &x.0);
}

pub fn g1_from_lem(bytes: &[u8]) -> Result<G1Affine> {
    if bytes[..G1_BYTES].iter().all(|&b| b == 0) {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(
        fq_from_lem(&bytes[0..N8])?,
        fq_from_lem(&bytes[N8..2 * N8])?,
    );
    if !p.is_on_curve() {
        return Err(Error::Format("G1 point is not on the curve".into()));
    }
    Ok(p)
}

pub fn g2_from_lem(bytes: &[u8]) -> Result<G2Affine> {
    if bytes[..G2_BYTES].iter().all(|&b| b == 0) {
        return Ok(G2Affine::zero());
    }
    let c = |i: usize| fq_from_lem(&bytes[i * N8..(i + 1) * N8]);
    let p = G2Affine::new_unchecked(Fq2::new(c(0)?, c(1)?), Fq2::new(c(2)?, c(3)?));
    if !p.is_on_curve() {
        return Err(Error::Format("G2 point is not on the curve".into()));
    }
    Ok(p)
}

pub fn g1_to_lem(out: &mut [u8], p: &G1Affine) {
    match p.xy() {
        None => out[..G1_BYTES].fill(0),
        Some((x, y)) => {
            fq_to_lem(&mut out[0..N8], &x);
            fq_to_lem(&mut out[N8..2 * N8], &y);
        }
    }
}

pub fn g2_to_lem(out: &mut [u8], p: &G2Affine) {
    match p.xy() {
        None => out[..G2_BYTES].fill(0),
        Some((x, y)) => {
            for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
                fq_to_lem(&mut out[i * N8..(i + 1) * N8], c);
            }
        }
    }
}

/// A scalar stored as a plain little-endian integer (witness values).
pub fn fr_from_le(bytes: &[u8]) -> Result<Fr> {
    Fr::from_bigint(limbs(bytes))
        .ok_or_else(|| Error::Format("scalar is not reduced modulo r".into()))
}

/// The integer `x` as `n8` little-endian bytes (file headers' primes).
pub fn le_bytes<B: BigInteger>(x: &B) -> Vec<u8> {
    x.to_bytes_le()
}

/// A zkey coefficient, times R: snarkjs stores c * R^2 mod r as a plain
/// integer, so that one Montgomery multiplication by a plain witness value
/// yields c * w in Montgomery form. Read as Montgomery limbs it is c * R; the
/// prover sums c * R * w over a row and multiplies the sum by 1/R once.
pub fn zkey_coefficient_times_r(bytes: &[u8]) -> Result<Fr> {
    let b = limbs(bytes);
    if b >= Fr::MODULUS {
        return Err(Error::Format(
            "zkey coefficient is not reduced modulo r".into(),
        ));
    }
    Ok(Fr::new_unchecked(b))
}

/// 1/R, R = 2^256 the Montgomery factor: the element whose limbs are 1.
pub fn inverse_montgomery_r() -> Fr {
    Fr::new_unchecked(BigInt::from(1u64))
}
