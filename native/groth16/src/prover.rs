//! Groth16 proving from a snarkjs .zkey and a circom witness, the same
//! computation as snarkjs' `groth16 prove`, multi-threaded with rayon:
//!
//! 1. a_i, b_i = rows of A and B times the witness over the constraint domain;
//!    c_i = a_i * b_i (circom keys carry no C matrix: it holds on satisfied rows).
//! 2. Each of a, b, c is moved to the odd points of the doubled domain
//!    (inverse FFT, multiply coefficient j by w_2n^j, FFT); there
//!    h = a * b - c, and the key's H points are the matching Lagrange basis.
//! 3. Five multi-scalar multiplications (msm.rs), blinded by random r and s;
//!    A, B1, B2 and C do not wait for the quotient.
//!
//! The MSMs and FFTs are the two kernels a GPU backend would replace (docs/groth16.md).

use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{FftField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::binfile::u32_at;
use crate::encoding::{inverse_montgomery_r, zkey_coefficient_times_r};
use crate::error::{Error, Result};
use crate::msm::ScalarPlan;
use crate::zkey::{ProvingKey, COEFFICIENT_BYTES};

pub struct Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
    pub public: Vec<Fr>,
    /// Wall time to the quotient's evaluations (the MSMs of A, B1, B2 and C run meanwhile).
    pub quotient_ms: u128,
}

/// Row `matrix` (0 = A, 1 = B) of the QAP times the witness, over the
/// constraint domain, read straight from the key's coefficient entries.
fn row(pk: &ProvingKey, witness: &[Fr], matrix: u32) -> Result<Vec<Fr>> {
    let n = pk.domain_size;
    let out_of_range = || {
        Error::Format(format!(
            "{}: coefficient out of range",
            pk.coefficients.name()
        ))
    };
    let mut v = vec![Fr::zero(); n];
    for e in pk.coefficients.entries().chunks_exact(COEFFICIENT_BYTES) {
        let m = u32_at(e, 0);
        if m != matrix {
            if m > 1 {
                return Err(out_of_range());
            }
            continue;
        }
        let (constraint, signal) = (u32_at(e, 4) as usize, u32_at(e, 8) as usize);
        if constraint >= n || signal >= witness.len() {
            return Err(out_of_range());
        }
        v[constraint] += zkey_coefficient_times_r(&e[12..])? * witness[signal];
    }
    Ok(v)
}

/// The quotient's evaluations h_i at the odd points of the doubled domain.
pub fn quotient(pk: &ProvingKey, witness: &[Fr]) -> Result<Vec<Fr>> {
    let n = pk.domain_size;
    let (a, b) = rayon::join(|| row(pk, witness, 0), || row(pk, witness, 1));
    let (mut a, mut b) = (a?, b?);
    // the rows' entries were c * R (encoding::zkey_coefficient_times_r)
    let unscale = inverse_montgomery_r();
    let c: Vec<Fr> = a
        .par_iter_mut()
        .zip(&mut b)
        .map(|(x, y)| {
            *x *= unscale;
            *y *= unscale;
            *x * *y
        })
        .collect();

    let domain = Radix2EvaluationDomain::<Fr>::new(n).filter(|d| d.size() == n);
    let domain = domain.ok_or_else(|| Error::Input(format!("no FFT domain of size {n}")))?;
    let shift = Fr::get_root_of_unity(2 * n as u64).ok_or_else(|| {
        Error::Input(format!(
            "domain 2^{} is too large for BN254",
            n.trailing_zeros()
        ))
    })?;
    let to_odd_points = |mut v: Vec<Fr>| {
        domain.ifft_in_place(&mut v);
        Radix2EvaluationDomain::distribute_powers(&mut v, shift);
        domain.fft_in_place(&mut v);
        v
    };
    let ((a, b), c) = rayon::join(
        || rayon::join(|| to_odd_points(a), || to_odd_points(b)),
        || to_odd_points(c),
    );
    Ok(a.par_iter()
        .zip(&b)
        .zip(&c)
        .map(|((x, y), z)| *x * y - z)
        .collect())
}

pub fn prove(pk: &ProvingKey, witness: &[Fr]) -> Result<Proof> {
    if witness.len() != pk.n_vars {
        return Err(Error::Input(format!(
            "the witness has {} values, the key's circuit {}",
            witness.len(),
            pk.n_vars
        )));
    }
    if witness[0] != Fr::from(1u64) {
        return Err(Error::Input("witness wire 0 must be 1".into()));
    }
    let start = Instant::now();
    let private = &witness[pk.n_public + 1..];
    let (h_part, (((msm_a, msm_b1), msm_b2), msm_c)) = rayon::join(
        || -> Result<_> {
            let h = quotient(pk, witness)?;
            let quotient_ms = start.elapsed().as_millis();
            Ok((ScalarPlan::new(&h).msm(&pk.h), quotient_ms))
        },
        || {
            let w = ScalarPlan::new(witness);
            rayon::join(
                || {
                    rayon::join(
                        || rayon::join(|| w.msm(&pk.a), || w.msm(&pk.b1)),
                        || w.msm(&pk.b2),
                    )
                },
                || ScalarPlan::new(private).msm(&pk.c),
            )
        },
    );
    let (msm_h, quotient_ms) = h_part?;
    let mut rng = rand::rngs::OsRng;
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let delta1 = pk.delta1.into_group();
    let pi_a = msm_a + pk.alpha1 + delta1 * r;
    let pi_b = msm_b2 + pk.beta2 + pk.delta2.into_group() * s;
    let b1 = msm_b1 + pk.beta1 + delta1 * s;
    let pi_c = msm_c + msm_h + pi_a * s + b1 * r - delta1 * (r * s);
    Ok(Proof {
        a: pi_a.into_affine(),
        b: pi_b.into_affine(),
        c: pi_c.into_affine(),
        public: witness[1..=pk.n_public].to_vec(),
        quotient_ms,
    })
}

/// snarkjs' proof JSON: affine points as decimal strings with a projective "1".
pub fn proof_json(p: &Proof) -> String {
    let (ax, ay) = p.a.xy().expect("pi_a is never the identity for random r");
    let (bx, by) = p.b.xy().expect("pi_b is never the identity for random s");
    let (cx, cy) = p.c.xy().unwrap_or_default();
    format!(
        "{{\"pi_a\":[\"{ax}\",\"{ay}\",\"1\"],\"pi_b\":[[\"{}\",\"{}\"],[\"{}\",\"{}\"],[\"1\",\"0\"]],\"pi_c\":[\"{cx}\",\"{cy}\",\"1\"],\"protocol\":\"groth16\",\"curve\":\"bn128\"}}",
        bx.c0, bx.c1, by.c0, by.c1
    )
}

pub fn public_json(p: &Proof) -> String {
    let items: Vec<String> = p.public.iter().map(|x| format!("\"{x}\"")).collect();
    format!("[{}]", items.join(","))
}
