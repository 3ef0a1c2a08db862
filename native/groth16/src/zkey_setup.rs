//! An INSECURE development Groth16 proving key: byte for byte what
//! `snarkjs zkey new circuit.r1cs dev.ptau out.zkey` writes when dev.ptau is
//! the file `dev-ptau --power P` writes, csHash included.
//!
//! snarkjs reads Lagrange-basis points from the ptau and combines them with
//! multi-exponentiations, one per wire. Since the ptau's secrets are known,
//! each wire's combination is one scalar (a sum of coefficient * L_c(tau)),
//! so every point is scalar * generator from a fixed-base table and the ptau
//! file is never read. Affine points are canonical, so the bytes match.
//!
//! Sections come in snarkjs' order: 1, 2, 4, 3 (IC), 9 (H), 8 (C), 5 (A),
//! 6 (B1), 7 (B2), 10; csHash is blake2b-512 over the header's six points,
//! then IC, the "H points" snarkjs hashes (not section 9's), C, A, B1 and B2,
//! each point uncompressed and each list preceded by a big-endian u32 count.

use std::path::Path;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, PrimeGroup};

use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use blake2::{Blake2b512, Digest};

use crate::binfile::BinWriter;
use crate::encoding::{g1_to_lem, g2_to_lem, le_bytes, G1_BYTES, G2_BYTES, N8};
use crate::error::{Error, Result};
use crate::overread;
use crate::progress::report;
use crate::ptau::{lagrange, powers, ScalarChunk, Secrets, Tables, MAX_POWER};
use crate::r1cs::{R1cs, Term};

const CHUNK: usize = 1 << 16;
/// snarkjs hashes its H points in chunks of this many (see overread.rs).
const H_HASH_CHUNK: usize = 1 << 14;
/// One entry of section 4: matrix, constraint, signal (u32 each), coefficient.
const COEFFICIENT_BYTES: usize = 12 + N8;
const HEADER_BYTES: usize = 4 + N8 + 4 + N8 + 12 + 3 * G1_BYTES + 3 * G2_BYTES;

pub struct Summary {
    pub n_constraints: u32,
    pub n_vars: u32,
    pub n_public: u32,
    pub domain_size: usize,
}

/// The key's dimensions, as zkey_new derives them from the r1cs header.
struct Shape {
    n_constraints: usize,
    n_vars: usize,
    n_public: usize,
    /// log2 of the domain size
    k: u32,
    domain: usize,
    /// the ptau's power; decides whether section 9 and csHash meet snarkjs' edge cases
    power: u32,
}

impl Shape {
    fn of(r1cs: &R1cs, power: u32) -> Result<Self> {
        let h = &r1cs.header;
        let rows = h.n_constraints as u64 + h.n_public() as u64;
        // zkey_new: cirPower = log2(nConstraints + nPubInputs + nOutputs) + 1, log2 rounding down
        let k = if rows == 0 {
            1
        } else {
            64 - rows.leading_zeros()
        };
        if k > power {
            return Err(Error::Input(format!(
                "{}: circuit too big for a ptau of power {power}: {} constraints and {} public signals need power {k}",
                r1cs.name(),
                h.n_constraints,
                h.n_public()
            )));
        }
        Ok(Self {
            n_constraints: h.n_constraints as usize,
            n_vars: h.n_vars as usize,
            n_public: h.n_public() as usize,
            k,
            domain: 1 << k,
            power,
        })
    }
}

/// Per wire s: A_s(tau), B_s(tau), C_s(tau), the QAP polynomials at tau,
/// including the rows snarkjs adds to A for the public signals.
struct Qap {
    a: Vec<Fr>,
    b: Vec<Fr>,
    c: Vec<Fr>,
    /// entries of section 4: the A and B terms plus the added rows
    n_coefficients: usize,
}

pub fn write_dev_zkey(r1cs_path: &Path, power: u32, out: &Path) -> Result<Summary> {
    if !(1..=MAX_POWER).contains(&power) {
        return Err(Error::Input(format!(
            "ptau power must be between 1 and {MAX_POWER}, got {power}"
        )));
    }
    let r1cs = R1cs::open(r1cs_path)?;
    let shape = Shape::of(&r1cs, power)?;
    let secrets = Secrets::published();
    let qap = evaluate_qap(&r1cs, &shape, secrets.tau)?;

    let n_hashed_h = hashed_h_points(shape.domain);
    let g1_points = 3 * shape.n_vars + shape.domain + n_hashed_h;
    let tables = Tables::new(g1_points, shape.n_vars);

    let mut w = BinWriter::create(out, b"zkey", 1, 10)?;
    let mut hasher = Blake2b512::new();
    w.begin_section(1, 4)?;
    w.bytes(&1u32.to_le_bytes())?; // Groth16
    write_header(&mut w, &mut hasher, &shape, &secrets)?;
    write_coefficients(&mut w, &r1cs, &shape, qap.n_coefficients)?;

    let ic_or_c = |offset| combined(&qap, &secrets, offset);
    let (a, b) = (&qap.a, &qap.b);
    let mut out = Points {
        w: &mut w,
        hasher: &mut hasher,
        tables: &tables,
    };
    out.g1_section(3, "IC", shape.n_public + 1, ic_or_c(0))?;
    write_h(&mut out, &shape, secrets.tau)?;
    hash_h_points(&mut out, &shape, secrets.tau, n_hashed_h)?;
    out.g1_section(
        8,
        "C",
        shape.n_vars - shape.n_public - 1,
        ic_or_c(shape.n_public + 1),
    )?;
    out.g1_section(5, "A", shape.n_vars, slice(a))?;
    out.g1_section(6, "B1", shape.n_vars, slice(b))?;
    out.g2_section(7, "B2", shape.n_vars, slice(b))?;

    // section 10: csHash, then no contributions
    let cs_hash = hasher.finalize();
    w.begin_section(10, (cs_hash.len() + 4) as u64)?;
    w.bytes(&cs_hash)?;
    w.bytes(&0u32.to_le_bytes())?;
    w.finish()?;
    Ok(Summary {
        n_constraints: shape.n_constraints as u32,
        n_vars: shape.n_vars as u32,
        n_public: shape.n_public as u32,
        domain_size: shape.domain,
    })
}

/// IC and C: beta * A_s + alpha * B_s + C_s for wires offset, offset + 1, ...
fn combined<'a>(qap: &'a Qap, secrets: &Secrets, offset: usize) -> ScalarChunk<'a> {
    let (alpha, beta) = (secrets.alpha, secrets.beta);
    Box::new(move |start, len| {
        let r = offset + start..offset + start + len;
        let abc = qap.a[r.clone()]
            .iter()
            .zip(&qap.b[r.clone()])
            .zip(&qap.c[r]);
        Ok(abc.map(|((a, b), c)| beta * a + alpha * b + c).collect())
    })
}

fn slice(values: &[Fr]) -> ScalarChunk<'_> {
    Box::new(move |start, len| Ok(values[start..start + len].to_vec()))
}

/// One pass over the constraints: sums coefficient * L_c(tau) per wire and
/// matrix, and counts the A and B terms for section 4.
fn evaluate_qap(r1cs: &R1cs, shape: &Shape, tau: Fr) -> Result<Qap> {
    let basis = lagrange(tau, shape.k, Fr::one(), false)?(0, shape.domain)?;
    let mut qap = Qap {
        a: vec![Fr::zero(); shape.n_vars],
        b: vec![Fr::zero(); shape.n_vars],
        c: vec![Fr::zero(); shape.n_vars],
        n_coefficients: 0,
    };
    let mut reader = r1cs.constraints()?;
    let mut lc: Vec<Term> = Vec::new();
    let step = (shape.n_constraints / 100).max(1);
    for (row, l) in basis.iter().enumerate().take(shape.n_constraints) {
        for matrix in 0..3 {
            reader.read_lc(&mut lc)?;
            let sums = match matrix {
                0 => &mut qap.a,
                1 => &mut qap.b,
                _ => &mut qap.c,
            };
            for t in &lc {
                sums[t.signal as usize] += t.coefficient * l;
            }
            // section 4 holds A and B only (the prover derives C's values)
            if matrix < 2 {
                qap.n_coefficients += lc.len();
            }
        }
        if (row + 1) % step == 0 {
            report("constraints", row + 1, shape.n_constraints);
        }
    }
    // snarkjs adds a row nConstraints + s with A = w[s] for each public signal and the one
    for s in 0..=shape.n_public {
        qap.a[s] += basis[shape.n_constraints + s];
    }
    qap.n_coefficients += shape.n_public + 1;
    Ok(qap)
}

/// Section 2; the header's points are snarkjs' first points of ptau
/// sections 4, 5 and 6 (alpha, beta in G1, beta in G2); gamma and delta are
/// the generators, as snarkjs leaves them before any contribution.
fn write_header(
    w: &mut BinWriter,
    hasher: &mut Blake2b512,
    shape: &Shape,
    s: &Secrets,
) -> Result<()> {
    w.begin_section(2, HEADER_BYTES as u64)?;
    for prime in [le_bytes(&ark_bn254::Fq::MODULUS), le_bytes(&Fr::MODULUS)] {
        w.bytes(&(N8 as u32).to_le_bytes())?;
        w.bytes(&prime)?;
    }
    for n in [shape.n_vars, shape.n_public, shape.domain] {
        w.bytes(&(n as u32).to_le_bytes())?;
    }
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    // alpha1, beta1, beta2, gamma2, delta1, delta2: written and hashed in this order
    let points = [
        HeaderPoint::G1((g1 * s.alpha).into()),
        HeaderPoint::G1((g1 * s.beta).into()),
        HeaderPoint::G2((g2 * s.beta).into()),
        HeaderPoint::G2(g2),
        HeaderPoint::G1(g1),
        HeaderPoint::G2(g2),
    ];
    for p in &points {
        let (stored, uncompressed) = p.encodings();
        w.bytes(&stored)?;
        hasher.update(&uncompressed);
    }
    Ok(())
}

enum HeaderPoint {
    G1(G1Affine),
    G2(G2Affine),
}

impl HeaderPoint {
    /// (as stored in the file, as hashed)
    fn encodings(&self) -> (Vec<u8>, Vec<u8>) {
        match self {
            HeaderPoint::G1(p) => {
                let mut b = vec![0u8; G1_BYTES];
                g1_to_lem(&mut b, p);
                (b, g1_uncompressed(p).to_vec())
            }
            HeaderPoint::G2(p) => {
                let mut b = vec![0u8; G2_BYTES];
                g2_to_lem(&mut b, p);
                (b, g2_uncompressed(p).to_vec())
            }
        }
    }
}

/// Section 4, from a second pass over the constraints: for each constraint
/// its A terms then its B terms, then the added rows; each coefficient c is
/// stored as the plain integer c * R^2 mod r (encoding.rs' zkey_coefficient_times_r reads it back).
fn write_coefficients(w: &mut BinWriter, r1cs: &R1cs, shape: &Shape, count: usize) -> Result<()> {
    w.begin_section(4, (4 + count * COEFFICIENT_BYTES) as u64)?;
    w.bytes(&(count as u32).to_le_bytes())?;
    let r = Fr::from(2u64).pow([256u64]);
    let mut buf = Vec::with_capacity(CHUNK * COEFFICIENT_BYTES);
    let put = |matrix: u32, row: usize, signal: u32, c: Fr, buf: &mut Vec<u8>| {
        buf.extend_from_slice(&matrix.to_le_bytes());
        buf.extend_from_slice(&(row as u32).to_le_bytes());
        buf.extend_from_slice(&signal.to_le_bytes());
        // the Montgomery limbs of c * R are the integer c * R^2 mod r
        for limb in (c * r).0 .0 {
            buf.extend_from_slice(&limb.to_le_bytes());
        }
    };
    let mut reader = r1cs.constraints()?;
    let mut lc = Vec::new();
    let mut written = 0;
    for row in 0..shape.n_constraints {
        for matrix in 0..3u32 {
            reader.read_lc(&mut lc)?;
            if matrix < 2 {
                lc.iter()
                    .for_each(|t| put(matrix, row, t.signal, t.coefficient, &mut buf));
                written += lc.len();
            }
        }
        if buf.len() >= CHUNK * COEFFICIENT_BYTES {
            w.bytes(&buf)?;
            buf.clear();
        }
    }
    for s in 0..=shape.n_public {
        put(0, shape.n_constraints + s, s as u32, Fr::one(), &mut buf);
    }
    if written + shape.n_public + 1 != count {
        return Err(Error::Format(format!(
            "{}: constraints changed while being read",
            r1cs.name()
        )));
    }
    w.bytes(&buf)
}

/// Section 9: snarkjs copies the odd-indexed points of ptau section 12's
/// domain of size 2m, i.e. L_{2i+1}(tau) of that domain. When 2m = 2^(power+1)
/// snarkjs built that domain with the last power of tau read as zero.
fn write_h(out: &mut Points, shape: &Shape, tau: Fr) -> Result<()> {
    let truncated = shape.k == shape.power;
    let double = lagrange(tau, shape.k + 1, Fr::one(), truncated)?;
    let odd: ScalarChunk = Box::new(move |start, len| {
        Ok(double(2 * start, 2 * len)?
            .into_iter()
            .skip(1)
            .step_by(2)
            .collect())
    });
    out.write_only_g1(9, "H", shape.domain, odd)
}

/// How many points snarkjs' hashHPoints feeds csHash for a domain of size m:
/// m - 1, rounded up to whole chunks of 2^14 (see overread.rs).
fn hashed_h_points(m: usize) -> usize {
    (0..m - 1)
        .step_by(H_HASH_CHUNK)
        .map(|_| (m - 1).min(H_HASH_CHUNK))
        .sum()
}

/// csHash's H part: tauG1[i + m] - tauG1[i] = (tau^m - 1) tau^i G1 for each
/// hashed i, except that an index reading past ptau section 2 is replayed.
fn hash_h_points(out: &mut Points, shape: &Shape, tau: Fr, count: usize) -> Result<()> {
    let m = shape.domain;
    out.hasher.update(((m - 1) as u32).to_be_bytes());
    let scale = tau.pow([m as u64]) - Fr::one();
    // tauG1 has 2^(power+1) - 1 points; i + m reaches one past its end for at most i = m - 1
    let past_section_2 = (1usize << (shape.power + 1)) - 1 - m;
    for start in (0..count).step_by(CHUNK) {
        let len = CHUNK.min(count - start);
        let scalars = powers(scale * tau.pow([start as u64]), tau, len);
        let mut points = out.tables.g1.batch_mul(&scalars);
        for (i, p) in points.iter_mut().enumerate() {
            if start + i == past_section_2 {
                let garbage = overread::bytes_after_tau_g1(shape.power);
                let below: G1Affine =
                    (G1Projective::generator() * tau.pow([(start + i) as u64])).into();
                *p = overread::sub_affine(&garbage, &below)?;
            }
            out.hasher.update(g1_uncompressed(p));
        }
        report("hashH", start + len, count);
    }
    Ok(())
}

/// Where points go: the zkey file and, for most sections, csHash.
struct Points<'a> {
    w: &'a mut BinWriter,
    hasher: &'a mut Blake2b512,
    tables: &'a Tables,
}

impl Points<'_> {
    // Each hashed section enters csHash as its point count (big-endian) and its points, uncompressed.
    fn g1_section(
        &mut self,
        id: u32,
        name: &str,
        count: usize,
        scalars: ScalarChunk,
    ) -> Result<()> {
        self.w.begin_section(id, (count * G1_BYTES) as u64)?;
        self.hasher.update((count as u32).to_be_bytes());
        let hasher = &mut *self.hasher;
        self.tables.g1().write(
            self.w,
            count,
            scalars,
            &mut |p| hasher.update(g1_uncompressed(p)),
            (name, &mut 0, count),
        )
    }

    fn g2_section(
        &mut self,
        id: u32,
        name: &str,
        count: usize,
        scalars: ScalarChunk,
    ) -> Result<()> {
        self.w.begin_section(id, (count * G2_BYTES) as u64)?;
        self.hasher.update((count as u32).to_be_bytes());
        let hasher = &mut *self.hasher;
        self.tables.g2().write(
            self.w,
            count,
            scalars,
            &mut |p| hasher.update(g2_uncompressed(p)),
            (name, &mut 0, count),
        )
    }

    /// A G1 section that csHash does not cover (H).
    fn write_only_g1(
        &mut self,
        id: u32,
        name: &str,
        count: usize,
        scalars: ScalarChunk,
    ) -> Result<()> {
        self.tables.g1().section(self.w, id, name, count, scalars)
    }
}

/// snarkjs' uncompressed form (LEMtoU): big-endian x then y, canonical
/// integers; the point at infinity is all zeros (no flag bit).
fn g1_uncompressed(p: &G1Affine) -> [u8; G1_BYTES] {
    let mut out = [0u8; G1_BYTES];
    if let Some((x, y)) = p.xy() {
        out[..N8].copy_from_slice(&x.into_bigint().to_bytes_be());
        out[N8..].copy_from_slice(&y.into_bigint().to_bytes_be());
    }
    out
}

/// G2 coordinates are reversed as one 64-byte number: c1 then c0, each big-endian.
fn g2_uncompressed(p: &G2Affine) -> [u8; G2_BYTES] {
    let mut out = [0u8; G2_BYTES];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[i * N8..(i + 1) * N8].copy_from_slice(&c.into_bigint().to_bytes_be());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snarkjs_hashes_whole_chunks_of_h_points() {
        assert_eq!(hashed_h_points(4096), 4095);
        assert_eq!(hashed_h_points(1 << 14), (1 << 14) - 1);
        assert_eq!(hashed_h_points(1 << 15), 1 << 15);
        assert_eq!(hashed_h_points(1 << 21), 1 << 21);
    }

    #[test]
    fn uncompressed_infinity_is_all_zeros() {
        assert_eq!(g1_uncompressed(&G1Affine::zero()), [0u8; G1_BYTES]);
        assert_eq!(g2_uncompressed(&G2Affine::zero()), [0u8; G2_BYTES]);
    }
}
