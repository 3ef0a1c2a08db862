//! Reading a snarkjs Groth16 proving key (.zkey) and witness (.wtns).

use std::path::Path;
use std::sync::Mutex;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;

use crate::binfile::{u32_at, BinFile};
use crate::encoding::{fr_from_le, g1_from_lem, g2_from_lem, G1_BYTES, G2_BYTES, N8};
use crate::error::{Error, Result};

const GROTH16_PROTOCOL: u32 = 1;

/// Bytes per entry of the key's QAP section (4): matrix (0 = A, 1 = B),
/// constraint and signal as u32, then the coefficient (see
/// encoding::zkey_coefficient_times_r); `matrix` gains coef * w[signal] at row `constraint`.
pub const COEFFICIENT_BYTES: usize = 12 + N8;

pub struct ProvingKey {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub alpha1: G1Affine,
    pub beta1: G1Affine,
    pub beta2: G2Affine,
    pub delta1: G1Affine,
    pub delta2: G2Affine,
    /// The QAP section's entries, undecoded (prover::rows reads and checks them).
    pub coefficients: CoefficientBytes,
    pub a: Vec<G1Affine>,
    pub b1: Vec<G1Affine>,
    pub b2: Vec<G2Affine>,
    pub c: Vec<G1Affine>,
    pub h: Vec<G1Affine>,
}

/// The key file's bytes, kept for its coefficient section.
pub struct CoefficientBytes {
    file: BinFile,
}

impl CoefficientBytes {
    pub fn name(&self) -> &str {
        self.file.name()
    }

    pub fn entries(&self) -> &[u8] {
        // section 4 was found and its length checked when the key was read
        self.file.section(4).map(|b| &b[4..]).unwrap_or_default()
    }
}

/// Decodes fixed-size records in parallel straight into their vector; the
/// first error found, if any.
fn decode<T: Copy + Send + Sync>(
    bytes: &[u8],
    size: usize,
    f: impl Fn(&[u8]) -> Result<T> + Sync,
    placeholder: T,
) -> Result<Vec<T>> {
    let error = Mutex::new(None);
    let out: Vec<T> = bytes
        .par_chunks(size)
        .map(|b| {
            f(b).unwrap_or_else(|e| {
                error.lock().unwrap().get_or_insert(e);
                placeholder
            })
        })
        .collect();
    match error.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn g1s(bytes: &[u8], count: usize, what: &str) -> Result<Vec<G1Affine>> {
    if bytes.len() != count * G1_BYTES {
        return Err(Error::Format(format!(
            "{what}: expected {count} G1 points, found {} bytes",
            bytes.len()
        )));
    }
    decode(bytes, G1_BYTES, g1_from_lem, G1Affine::default())
}

fn g2s(bytes: &[u8], count: usize, what: &str) -> Result<Vec<G2Affine>> {
    if bytes.len() != count * G2_BYTES {
        return Err(Error::Format(format!(
            "{what}: expected {count} G2 points, found {} bytes",
            bytes.len()
        )));
    }
    decode(bytes, G2_BYTES, g2_from_lem, G2Affine::default())
}

fn check_prime(bytes: &[u8], pos: usize, expected: &[u8], what: &str) -> Result<usize> {
    let n8 = u32_at(bytes, pos) as usize;
    if n8 != N8 || bytes.get(pos + 4..pos + 4 + N8) != Some(expected) {
        return Err(Error::Format(format!(
            "{what} is not BN254's (only bn128 keys are supported)"
        )));
    }
    Ok(pos + 4 + N8)
}

impl ProvingKey {
    pub fn read(path: &Path) -> Result<Self> {
        let file = BinFile::read(path, b"zkey", 1)?;
        let name = file.name().to_string();
        let protocol = file.section(1)?;
        if protocol.len() < 4 || u32_at(protocol, 0) != GROTH16_PROTOCOL {
            return Err(Error::Format(format!("{name}: not a Groth16 key")));
        }
        let h = file.section(2)?;
        if h.len() != 4 + N8 + 4 + N8 + 12 + 3 * G1_BYTES + 3 * G2_BYTES {
            return Err(Error::Format(format!(
                "{name}: Groth16 header has {} bytes",
                h.len()
            )));
        }
        let mut pos = check_prime(
            h,
            0,
            &ark_bn254::Fq::MODULUS.to_bytes_le(),
            "the key's base field",
        )?;
        pos = check_prime(h, pos, &Fr::MODULUS.to_bytes_le(), "the key's scalar field")?;
        let n_vars = u32_at(h, pos) as usize;
        let n_public = u32_at(h, pos + 4) as usize;
        let domain_size = u32_at(h, pos + 8) as usize;
        pos += 12;
        if !domain_size.is_power_of_two() || n_public >= n_vars {
            return Err(Error::Format(format!(
                "{name}: domain size {domain_size}, {n_public} public of {n_vars} signals"
            )));
        }
        // alpha1, beta1, beta2, gamma2 (verifier only), delta1, delta2
        let alpha1 = g1_from_lem(&h[pos..])?;
        let beta1 = g1_from_lem(&h[pos + G1_BYTES..])?;
        let beta2 = g2_from_lem(&h[pos + 2 * G1_BYTES..])?;
        let delta1 = g1_from_lem(&h[pos + 2 * G1_BYTES + 2 * G2_BYTES..])?;
        let delta2 = g2_from_lem(&h[pos + 3 * G1_BYTES + 2 * G2_BYTES..])?;

        check_coefficients(file.section(4)?, &name)?;
        let ((a, b1), (b2, (c, h))) = rayon::join(
            || {
                rayon::join(
                    || g1s(file.section(5)?, n_vars, "section A"),
                    || g1s(file.section(6)?, n_vars, "section B1"),
                )
            },
            || {
                rayon::join(
                    || g2s(file.section(7)?, n_vars, "section B2"),
                    || {
                        rayon::join(
                            || g1s(file.section(8)?, n_vars - n_public - 1, "section C"),
                            || g1s(file.section(9)?, domain_size, "section H"),
                        )
                    },
                )
            },
        );
        Ok(Self {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            delta1,
            delta2,
            a: a?,
            b1: b1?,
            b2: b2?,
            c: c?,
            h: h?,
            coefficients: CoefficientBytes { file },
        })
    }
}

/// The QAP section's size; its entries are checked as the prover reads them.
fn check_coefficients(bytes: &[u8], name: &str) -> Result<()> {
    let count = if bytes.len() >= 4 {
        u32_at(bytes, 0) as usize
    } else {
        0
    };
    if bytes.len() != 4 + count * COEFFICIENT_BYTES {
        return Err(Error::Format(format!(
            "{name}: coefficient section has {} bytes for {count} entries",
            bytes.len()
        )));
    }
    Ok(())
}

/// A witness file: the full assignment, wire 0 being the constant 1.
pub fn read_witness(path: &Path) -> Result<Vec<Fr>> {
    let file = BinFile::read(path, b"wtns", 2)?;
    let name = file.name().to_string();
    let header = file.section(1)?;
    let pos = check_prime(header, 0, &Fr::MODULUS.to_bytes_le(), "the witness field")?;
    let n = u32_at(header, pos) as usize;
    let values = file.section(2)?;
    if values.len() != n * N8 {
        return Err(Error::Format(format!(
            "{name}: {n} witness values announced, {} bytes found",
            values.len()
        )));
    }
    values.par_chunks(N8).map(fr_from_le).collect()
}
