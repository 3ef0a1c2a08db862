//! Multi-scalar multiplication tuned for Groth16 witnesses.
//!
//! ark-ec 0.5's `msm_unchecked` runs a signed-digit Pippenger over all 254
//! bits of every scalar, and sizes its windows for the full count of scalars.
//! Circom witnesses are mostly 0 and 1 and small integers (bit
//! decompositions, small quantized values, small negatives), so a
//! [`ScalarPlan`] sorts the scalars once: zeros are dropped, magnitudes below
//! 2^64 (negatives folded in by negating their digits) go to a Pippenger over
//! as many bits as the largest of them, the rest to a full-width one; each
//! picks its own window size. The same plan serves every MSM over the same
//! scalars (A, B1 and B2 share the witness's).
//!
//! Buckets are accumulated in affine coordinates with batched inversions
//! (about 6 field multiplications per point instead of the 11 of a mixed
//! Jacobian addition); a point whose bucket already waits in the current
//! batch is added to a Jacobian overflow bucket instead.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

type Fr = ark_bn254::Fr;

/// Points of one Pippenger group: base indices and each scalar's signed
/// digits, `windows` per point, in windows of `c` bits.
struct Group {
    idx: Vec<u32>,
    digits: Vec<i16>,
    windows: usize,
    c: usize,
}

/// Scalars sorted by size once, for any number of MSMs over them.
pub struct ScalarPlan {
    groups: Vec<Group>,
}

/// Additions batched per inversion for 2^(c-1) buckets: few enough that a
/// point rarely finds its bucket already waiting in the batch. 0: too few
/// buckets for batching to pay (an inversion costs about 250
/// multiplications), so every point goes to the Jacobian buckets.
fn batch_size(c: usize) -> usize {
    let b = (1usize << (c - 1)) / 16;
    if b < 64 {
        0
    } else {
        b.min(512)
    }
}

/// Rough cost, in field multiplications, of a Pippenger over `n` points of
/// `bits`-bit scalars with `c`-bit windows: per point, a batched affine
/// addition (6 and a share of an inversion) or a mixed Jacobian one (11); per
/// bucket, two Jacobian additions for the running sums.
fn cost(n: usize, bits: usize, c: usize) -> usize {
    let windows = (bits + 1).div_ceil(c);
    let per_point = match batch_size(c) {
        0 => 11,
        b => 6 + 250 / b,
    };
    windows * (n * per_point + (1usize << (c - 1)) * 28)
}

fn window_bits(n: usize, bits: usize) -> usize {
    // digits must fit an i16: |d| <= 2^(c-1) <= 2^14
    (2..=15).min_by_key(|&c| cost(n, bits, c)).unwrap()
}

/// The signed digits of `s` (little-endian limbs) in base 2^c, each in
/// [-2^(c-1), 2^(c-1)), the last one absorbing the final carry; negated if `neg`.
fn signed_digits(s: &[u64], bits: usize, c: usize, windows: usize, neg: bool, out: &mut [i16]) {
    let mask = (1u64 << c) - 1;
    let half = 1u64 << (c - 1);
    let mut carry = 0u64;
    for (w, d) in out.iter_mut().enumerate().take(windows) {
        let bit = w * c;
        let limb = bit / 64;
        let shift = bit % 64;
        let mut v = if limb < s.len() { s[limb] >> shift } else { 0 };
        if shift + c > 64 && limb + 1 < s.len() {
            v |= s[limb + 1] << (64 - shift);
        }
        let coef = (v & mask) + carry;
        let digit = if w + 1 == windows {
            debug_assert!(coef <= half && bit + c > bits);
            coef as i64
        } else {
            carry = (coef + half) >> c;
            coef as i64 - (carry << c) as i64
        };
        *d = if neg { -digit } else { digit } as i16;
    }
}

fn group(entries: Vec<(u32, [u64; 4], bool)>, bits: usize) -> Option<Group> {
    if entries.is_empty() {
        return None;
    }
    let bits = bits.max(1);
    let c = window_bits(entries.len(), bits);
    let windows = (bits + 1).div_ceil(c);
    let mut digits = vec![0i16; entries.len() * windows];
    digits
        .par_chunks_mut(windows)
        .zip(&entries)
        .for_each(|(out, (_, s, neg))| signed_digits(s, bits, c, windows, *neg, out));
    Some(Group {
        idx: entries.iter().map(|e| e.0).collect(),
        digits,
        windows,
        c,
    })
}

impl ScalarPlan {
    pub fn new(scalars: &[Fr]) -> Self {
        let modulus = Fr::MODULUS;
        // (index, magnitude, negative) for each nonzero scalar
        let entries: Vec<(u32, BigInt<4>, bool)> = scalars
            .par_iter()
            .enumerate()
            .filter(|(_, s)| !s.is_zero())
            .map(|(i, s)| {
                let v = s.into_bigint();
                let mut m = modulus;
                m.sub_with_borrow(&v);
                // small negatives: r - v below 2^64
                if m.0[1] == 0 && m.0[2] == 0 && m.0[3] == 0 {
                    (i as u32, m, true)
                } else {
                    (i as u32, v, false)
                }
            })
            .collect();
        let (small, big): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .map(|(i, m, neg)| (i, m.0, neg))
            .partition(|(_, m, _)| m[1] == 0 && m[2] == 0 && m[3] == 0);
        let small_bits = small
            .iter()
            .map(|e| 64 - e.1[0].leading_zeros() as usize)
            .max()
            .unwrap_or(0);
        let groups = [
            group(small, small_bits),
            group(big, Fr::MODULUS_BIT_SIZE as usize),
        ];
        Self {
            groups: groups.into_iter().flatten().collect(),
        }
    }

    /// sum_i scalars[i] * bases[i] over the scalars this plan was made from.
    pub fn msm<P: SWCurveConfig>(&self, bases: &[Affine<P>]) -> Projective<P> {
        self.groups
            .iter()
            .map(|g| {
                let sums: Vec<Projective<P>> = (0..g.windows)
                    .into_par_iter()
                    .map(|w| window_sum(bases, g, w))
                    .collect();
                sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
                    for _ in 0..g.c {
                        acc.double_in_place();
                    }
                    acc + s
                })
            })
            .sum()
    }
}

/// Buckets in affine coordinates, filled by batches of independent additions
/// (each bucket at most once per batch) that share one field inversion.
struct Buckets<P: SWCurveConfig> {
    affine: Vec<Affine<P>>,
    overflow: Vec<Projective<P>>,
    pending: Vec<bool>,
    batch_size: usize,
    batch: Vec<(u32, Affine<P>)>,
    denom: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> Buckets<P> {
    fn new(c: usize) -> Self {
        let n = 1 << (c - 1);
        let batch_size = batch_size(c);
        Self {
            affine: vec![Affine::identity(); n],
            overflow: vec![Projective::zero(); n],
            pending: vec![false; n],
            batch_size,
            batch: Vec::with_capacity(batch_size),
            denom: Vec::with_capacity(batch_size),
            prefix: Vec::with_capacity(batch_size),
        }
    }

    fn add(&mut self, b: usize, p: Affine<P>) {
        if self.batch_size == 0 || self.pending[b] {
            self.overflow[b] += &p;
        } else if self.affine[b].infinity {
            self.affine[b] = p;
        } else {
            self.pending[b] = true;
            self.batch.push((b as u32, p));
            if self.batch.len() == self.batch_size {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        self.denom.clear();
        for (b, p) in &self.batch {
            let q = &self.affine[*b as usize];
            self.denom.push(if q.x != p.x {
                p.x - q.x
            } else if q.y == p.y && !q.y.is_zero() {
                q.y.double()
            } else {
                P::BaseField::one() // p = -q: the bucket empties
            });
        }
        // Montgomery's trick: one inversion for the batch
        self.prefix.clear();
        let mut acc = P::BaseField::one();
        for d in &self.denom {
            self.prefix.push(acc);
            acc *= d;
        }
        let mut inv = acc.inverse().expect("nonzero denominators");
        for (d, pre) in self.denom.iter_mut().zip(&self.prefix).rev() {
            let next = inv * *d;
            *d = inv * pre;
            inv = next;
        }
        for ((b, p), inv) in self.batch.iter().zip(&self.denom) {
            let b = *b as usize;
            self.pending[b] = false;
            let q = self.affine[b];
            let lambda = if q.x != p.x {
                (p.y - q.y) * inv
            } else if q.y == p.y && !q.y.is_zero() {
                (q.x.square() * P::BaseField::from(3u64) + P::COEFF_A) * inv
            } else {
                self.affine[b] = Affine::identity();
                continue;
            };
            let x = lambda.square() - q.x - p.x;
            let y = lambda * (q.x - x) - q.y;
            self.affine[b] = Affine::new_unchecked(x, y);
        }
        self.batch.clear();
    }

    /// sum_b (b + 1) * bucket_b
    fn weighted_sum(mut self) -> Projective<P> {
        self.flush();
        let mut running = Projective::<P>::zero();
        let mut sum = Projective::<P>::zero();
        for (a, o) in self.affine.iter().zip(&self.overflow).rev() {
            if !o.is_zero() {
                running += o;
            }
            if !a.infinity {
                running += a;
            }
            sum += &running;
        }
        sum
    }
}

fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], g: &Group, w: usize) -> Projective<P> {
    let mut buckets = Buckets::<P>::new(g.c);
    for (k, &i) in g.idx.iter().enumerate() {
        let d = g.digits[k * g.windows + w];
        if d == 0 {
            continue;
        }
        let p = bases[i as usize];
        if p.infinity {
            continue;
        }
        let b = d.unsigned_abs() as usize - 1;
        buckets.add(b, if d > 0 { p } else { -p });
    }
    buckets.weighted_sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    fn scalars(n: usize) -> Vec<Fr> {
        let mut rng = test_rng();
        (0..n)
            .map(|i| match i % 9 {
                0..=2 => Fr::zero(),
                3..=4 => Fr::one(),
                5 => Fr::from((i * 7919) as u64 % 300),
                6 => -Fr::from((i * 104729) as u64),
                7 => Fr::from(u64::MAX - i as u64),
                _ => Fr::rand(&mut rng),
            })
            .collect()
    }

    #[test]
    fn matches_arkworks_g1_with_repeats_and_identities() {
        let mut rng = test_rng();
        let n = 40000;
        let distinct: Vec<G1Affine> = (0..50).map(|_| G1Affine::rand(&mut rng)).collect();
        // repeated and opposite points force doublings and cancellations in the buckets
        let bases: Vec<G1Affine> = (0..n)
            .map(|i| match i % 11 {
                0 => G1Affine::identity(),
                1 => -distinct[i % 50],
                _ => distinct[i % 50],
            })
            .collect();
        let s = scalars(n);
        let expected = G1Projective::msm_unchecked(&bases, &s);
        assert_eq!(ScalarPlan::new(&s).msm(&bases).into_affine(), expected);
        let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let plan = ScalarPlan::new(&random);
        // enough full-width scalars for batched affine buckets
        assert!(batch_size(plan.groups[0].c) > 0);
        let expected = G1Projective::msm_unchecked(&bases, &random);
        assert_eq!(plan.msm(&bases).into_affine(), expected);
        let all_one = vec![Fr::one(); n];
        let expected = G1Projective::msm_unchecked(&bases, &all_one);
        assert_eq!(
            ScalarPlan::new(&all_one).msm(&bases).into_affine(),
            expected
        );
    }

    #[test]
    fn matches_arkworks_g2_and_edge_sizes() {
        let mut rng = test_rng();
        for n in [0usize, 1, 2, 7, 300, 3000] {
            let bases: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            let s = scalars(n);
            let expected = G2Projective::msm_unchecked(&bases, &s);
            assert_eq!(ScalarPlan::new(&s).msm(&bases).into_affine(), expected);
            let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let expected = G2Projective::msm_unchecked(&bases, &random);
            assert_eq!(ScalarPlan::new(&random).msm(&bases).into_affine(), expected);
        }
    }
}
