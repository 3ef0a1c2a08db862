//! An INSECURE development powers-of-tau file, byte-compatible with the
//! output of snarkjs' `powersoftau new` + `contribute` + `prepare phase2`.
//!
//! Its secrets (tau, alpha, beta) are fixed and published below, so anyone
//! can forge proofs for keys made from it: it exists for development and
//! tests only. Knowing tau lets every point be computed directly as
//! scalar * generator with a fixed-base table, instead of snarkjs' chain of
//! contributions and its FFTs over curve points; affine points are canonical,
//! so the bytes are exactly those snarkjs would write for the same secrets.

use std::path::Path;

use ark_bn254::{Fq, Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::scalar_mul::ScalarMul;
use ark_ec::PrimeGroup;
use ark_ff::{batch_inversion, FftField, Field, One, PrimeField, Zero};

use crate::binfile::BinWriter;
use crate::encoding::{g1_to_lem, g2_to_lem, le_bytes, G1_BYTES, G2_BYTES, N8};
use crate::error::{Error, Result};
use crate::progress::report;

/// The published secrets: their UTF-8 bytes read as little-endian integers mod r.
pub const TAU_LABEL: &str = "vinfer INSECURE development powers of tau: tau";
pub const ALPHA_LABEL: &str = "vinfer INSECURE development powers of tau: alpha";
pub const BETA_LABEL: &str = "vinfer INSECURE development powers of tau: beta";

/// BN254's scalar field has 2-adicity 28; snarkjs prepares up to 2^(power+1) <= 2^28.
pub const MAX_POWER: u32 = 27;
const CHUNK: usize = 1 << 16;

pub struct Secrets {
    pub tau: Fr,
    pub alpha: Fr,
    pub beta: Fr,
}

impl Secrets {
    pub fn published() -> Self {
        let s = |label: &str| Fr::from_le_bytes_mod_order(label.as_bytes());
        Self {
            tau: s(TAU_LABEL),
            alpha: s(ALPHA_LABEL),
            beta: s(BETA_LABEL),
        }
    }
}

/// Where one section's scalars come from: index -> scalar, computed a chunk at a time.
pub(crate) type ScalarChunk<'a> = Box<dyn Fn(usize, usize) -> Result<Vec<Fr>> + 'a>;

/// Fixed-base tables for scalar * generator in G1 and G2, sized for the number of points to make.
pub(crate) struct Tables {
    pub(crate) g1: BatchMulPreprocessing<G1Projective>,
    pub(crate) g2: BatchMulPreprocessing<G2Projective>,
}

impl Tables {
    pub(crate) fn new(g1_points: usize, g2_points: usize) -> Self {
        report("tables", 0, 2);
        let tables = Tables {
            g1: BatchMulPreprocessing::new(G1Projective::generator(), g1_points),
            g2: BatchMulPreprocessing::new(G2Projective::generator(), g2_points),
        };
        report("tables", 2, 2);
        tables
    }
}

pub fn write_dev_ptau(path: &Path, power: u32) -> Result<()> {
    if !(1..=MAX_POWER).contains(&power) {
        return Err(Error::Input(format!(
            "power must be between 1 and {MAX_POWER}, got {power}"
        )));
    }
    let secrets = Secrets::published();
    let n = 1usize << power;
    // G1 points written in all: sections 2, 4, 5, 12, 14, 15; G2: 3 and 13
    let g1_points = (2 * n - 1) + 2 * n + (4 * n - 1) + 2 * (2 * n - 1);
    let g2_points = n + (2 * n - 1) + 1;
    let tables = Tables::new(g1_points, g2_points);

    let mut w = BinWriter::create(path, b"ptau", 1, 11)?;
    write_header(&mut w, power)?;

    let Secrets { tau, alpha, beta } = secrets;
    let tau_powers = move |scale: Fr| -> ScalarChunk<'static> {
        Box::new(move |start, len| Ok(powers(scale * tau.pow([start as u64]), tau, len)))
    };
    let (g1, g2) = (tables.g1(), tables.g2());
    g1.section(&mut w, 2, "tauG1", 2 * n - 1, tau_powers(Fr::one()))?;
    g2.section(&mut w, 3, "tauG2", n, tau_powers(Fr::one()))?;
    g1.section(&mut w, 4, "alphaTauG1", n, tau_powers(alpha))?;
    g1.section(&mut w, 5, "betaTauG1", n, tau_powers(beta))?;
    g2.section(&mut w, 6, "betaG2", 1, tau_powers(beta))?;
    // no contributions are recorded: this file never came from a ceremony
    w.begin_section(7, 4)?;
    w.bytes(&0u32.to_le_bytes())?;

    // Lagrange sections: for each domain size 2^k, the Lagrange basis at tau
    let domains: Vec<u32> = (0..=power).collect();
    let g1_lagrange = |id, name: &str, scale: Fr, extra: bool, w: &mut BinWriter| -> Result<()> {
        let mut ks = domains.clone();
        if extra {
            ks.push(power + 1);
        }
        let total: usize = ks.iter().map(|k| 1usize << k).sum();
        w.begin_section(id, (total * G1_BYTES) as u64)?;
        let mut done = 0;
        for &k in &ks {
            // snarkjs' extra domain 2^(power+1) reads one point past section 2's end as zero
            let truncated = k == power + 1;
            g1.write(
                w,
                1 << k,
                lagrange(tau, k, scale, truncated)?,
                &mut |_| {},
                (name, &mut done, total),
            )?;
        }
        Ok(())
    };
    g1_lagrange(12, "lagrangeTauG1", Fr::one(), true, &mut w)?;
    {
        let total: usize = domains.iter().map(|k| 1usize << k).sum();
        w.begin_section(13, (total * G2_BYTES) as u64)?;
        let mut done = 0;
        for &k in &domains {
            g2.write(
                &mut w,
                1 << k,
                lagrange(tau, k, Fr::one(), false)?,
                &mut |_| {},
                ("lagrangeTauG2", &mut done, total),
            )?;
        }
    }
    g1_lagrange(14, "lagrangeAlphaTauG1", alpha, false, &mut w)?;
    g1_lagrange(15, "lagrangeBetaTauG1", beta, false, &mut w)?;
    w.finish()
}

fn write_header(w: &mut BinWriter, power: u32) -> Result<()> {
    w.begin_section(1, (4 + N8 + 4 + 4) as u64)?;
    w.bytes(&(N8 as u32).to_le_bytes())?;
    w.bytes(&le_bytes(&Fq::MODULUS))?;
    w.bytes(&power.to_le_bytes())?;
    w.bytes(&power.to_le_bytes())
}

/// Scalars of the Lagrange basis of the domain of size m = 2^k at tau, times
/// `scale`: L_i(tau) = (tau^m - 1) / m * w^i / (tau - w^i). With `truncated`,
/// the inverse FFT snarkjs runs saw tau^(m-1) replaced by zero, which removes
/// w^i * tau^(m-1) / m from each.
pub(crate) fn lagrange(
    tau: Fr,
    k: u32,
    scale: Fr,
    truncated: bool,
) -> Result<ScalarChunk<'static>> {
    let m = 1u64 << k;
    let omega = Fr::get_root_of_unity(m)
        .ok_or_else(|| Error::Input(format!("no root of unity of order 2^{k}")))?;
    let m_inv = Fr::from(m).inverse().unwrap();
    let c = (tau.pow([m]) - Fr::one()) * m_inv * scale;
    let tail = if truncated {
        tau.pow([m - 1]) * m_inv * scale
    } else {
        Fr::from(0u64)
    };
    Ok(Box::new(move |start, len| {
        let mut wi = omega.pow([start as u64]);
        let mut roots = Vec::with_capacity(len);
        for _ in 0..len {
            roots.push(wi);
            wi *= omega;
        }
        let mut denominators: Vec<Fr> = roots.iter().map(|r| tau - r).collect();
        if denominators.iter().any(|d| d == &Fr::from(0u64)) {
            return Err(Error::Input("tau lies in the evaluation domain".into()));
        }
        batch_inversion(&mut denominators);
        Ok(roots
            .iter()
            .zip(denominators)
            .map(|(r, d)| c * r * d - tail * r)
            .collect())
    }))
}

/// `x, x * ratio, x * ratio^2, …`: `len` of them.
pub(crate) fn powers(first: Fr, ratio: Fr, len: usize) -> Vec<Fr> {
    let mut x = first;
    (0..len)
        .map(|_| {
            let v = x;
            x *= ratio;
            v
        })
        .collect()
}

/// One group's fixed-base table and snarkjs file encoding: writes scalar * generator points.
pub(crate) struct Encoder<'a, G: ScalarMul> {
    table: &'a BatchMulPreprocessing<G>,
    encode: fn(&mut [u8], &G::MulBase),
    size: usize,
}

impl Tables {
    pub(crate) fn g1(&self) -> Encoder<'_, G1Projective> {
        Encoder {
            table: &self.g1,
            encode: g1_to_lem,
            size: G1_BYTES,
        }
    }

    pub(crate) fn g2(&self) -> Encoder<'_, G2Projective> {
        Encoder {
            table: &self.g2,
            encode: g2_to_lem,
            size: G2_BYTES,
        }
    }
}

impl<G: ScalarMul<ScalarField = Fr>> Encoder<'_, G> {
    /// Section `id`: scalar_i * generator for i < count.
    pub(crate) fn section(
        &self,
        w: &mut BinWriter,
        id: u32,
        name: &str,
        count: usize,
        scalars: ScalarChunk,
    ) -> Result<()> {
        w.begin_section(id, (count * self.size) as u64)?;
        self.write(w, count, scalars, &mut |_| {}, (name, &mut 0, count))
    }

    /// scalar_i * generator for i < count, written a chunk at a time, each
    /// point handed to `visit` too; progress counts `done` of `total`.
    pub(crate) fn write(
        &self,
        w: &mut BinWriter,
        count: usize,
        scalars: ScalarChunk,
        visit: &mut dyn FnMut(&G::MulBase),
        (name, done, total): (&str, &mut usize, usize),
    ) -> Result<()> {
        let size = self.size;
        let mut buf = vec![0u8; CHUNK.min(count) * size];
        for start in (0..count).step_by(CHUNK) {
            let len = CHUNK.min(count - start);
            let points = mul_nonzero(self.table, &scalars(start, len)?);
            for (i, p) in points.iter().enumerate() {
                (self.encode)(&mut buf[i * size..], p);
                visit(p);
            }
            w.bytes(&buf[..len * size])?;
            *done += len;
            report(name, *done, total);
        }
        Ok(())
    }
}

/// scalar * generator for each scalar; zeros (wires absent from a matrix, common
/// in B) skip the table and give the point at infinity, as snarkjs writes it.
fn mul_nonzero<G: ScalarMul<ScalarField = Fr>>(
    table: &BatchMulPreprocessing<G>,
    scalars: &[Fr],
) -> Vec<G::MulBase> {
    let nonzero: Vec<Fr> = scalars.iter().filter(|s| !s.is_zero()).copied().collect();
    let mut products = table.batch_mul(&nonzero).into_iter();
    let infinity = G::MulBase::from(G::zero());
    scalars
        .iter()
        .map(|s| {
            if s.is_zero() {
                infinity
            } else {
                products.next().unwrap_or(infinity)
            }
        })
        .collect()
}
