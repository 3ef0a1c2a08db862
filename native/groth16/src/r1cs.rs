//! Streaming reader for circom's .r1cs files (iden3 binfile, magic "r1cs",
//! version 1): section 1 is the header, section 2 the constraints, section 3
//! the wire-to-label map (unused here); sections 4 and 5 exist only for
//! custom gates, which Groth16 cannot use.
//!
//! The constraint section of a million-constraint circuit is hundreds of MB,
//! so it is read sequentially through a buffer rather than loaded whole.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

use crate::encoding::N8;
use crate::error::{Error, Result};

const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const CUSTOM_GATES_LIST: u32 = 4;
const CUSTOM_GATES_USES: u32 = 5;

/// The counts from section 1, as circom writes them.
pub struct Header {
    pub n_vars: u32,
    pub n_outputs: u32,
    pub n_pub_inputs: u32,
    pub n_constraints: u32,
}

impl Header {
    /// snarkjs' public signals: outputs, then public inputs (wire 0, the constant one, not counted).
    pub fn n_public(&self) -> u32 {
        self.n_outputs + self.n_pub_inputs
    }
}

pub struct R1cs {
    pub header: Header,
    name: String,
    constraints_at: u64,
    constraints_len: u64,
}

/// One term of a linear combination: coefficient * w[signal].
#[derive(Clone, Copy)]
pub struct Term {
    pub signal: u32,
    pub coefficient: Fr,
}

/// Where each section of the file starts and how long it is.
struct SectionIndex(Vec<(u32, u64, u64)>);

impl SectionIndex {
    fn unique(&self, id: u32, name: &str) -> Result<Option<(u64, u64)>> {
        let mut found = self.0.iter().filter(|(i, _, _)| *i == id);
        let first = found.next().map(|&(_, at, len)| (at, len));
        if found.next().is_some() {
            return Err(Error::Format(format!("{name}: section {id} appears twice")));
        }
        Ok(first)
    }

    fn required(&self, id: u32, name: &str) -> Result<(u64, u64)> {
        self.unique(id, name)?
            .ok_or_else(|| Error::Format(format!("{name}: missing section {id}")))
    }
}

impl R1cs {
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let mut f = BufReader::new(File::open(path).map_err(|e| Error::io(&name, e))?);
        let index = scan_sections(&mut f, &name)?;
        if index.unique(CUSTOM_GATES_LIST, &name)?.is_some()
            || index.unique(CUSTOM_GATES_USES, &name)?.is_some()
        {
            return Err(Error::Format(format!(
                "{name}: the circuit uses custom gates, which Groth16 does not support"
            )));
        }
        let (header_at, header_len) = index.required(HEADER, &name)?;
        let (constraints_at, constraints_len) = index.required(CONSTRAINTS, &name)?;
        let header = read_header(&mut f, header_at, header_len, &name)?;
        Ok(Self {
            header,
            name,
            constraints_at,
            constraints_len,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fresh sequential reader over the constraint section.
    pub fn constraints(&self) -> Result<ConstraintReader> {
        let mut file = File::open(&self.name).map_err(|e| Error::io(&self.name, e))?;
        file.seek(SeekFrom::Start(self.constraints_at))
            .map_err(|e| Error::io(&self.name, e))?;
        Ok(ConstraintReader {
            input: BufReader::with_capacity(1 << 20, file),
            remaining: self.constraints_len,
            n_vars: self.header.n_vars,
            name: self.name.clone(),
        })
    }
}

fn read_exact<R: Read>(f: &mut R, buf: &mut [u8], name: &str) -> Result<()> {
    f.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Format(format!("{name}: truncated")),
        _ => Error::io(name, e),
    })
}

fn read_u32<R: Read>(f: &mut R, name: &str) -> Result<u32> {
    let mut b = [0u8; 4];
    read_exact(f, &mut b, name)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64<R: Read>(f: &mut R, name: &str) -> Result<u64> {
    let mut b = [0u8; 8];
    read_exact(f, &mut b, name)?;
    Ok(u64::from_le_bytes(b))
}

/// Checks magic and version, then walks the section headers (seeking over bodies).
fn scan_sections(f: &mut BufReader<File>, name: &str) -> Result<SectionIndex> {
    let file_len = f
        .get_ref()
        .metadata()
        .map_err(|e| Error::io(name, e))?
        .len();
    let mut magic = [0u8; 4];
    read_exact(f, &mut magic, name)?;
    if &magic != b"r1cs" {
        return Err(Error::Format(format!(
            "{name}: not an r1cs file (wrong magic)"
        )));
    }
    let version = read_u32(f, name)?;
    if version != 1 {
        return Err(Error::Format(format!(
            "{name}: unsupported r1cs version {version} (only 1)"
        )));
    }
    let count = read_u32(f, name)?;
    let mut pos = 12u64;
    let mut sections = Vec::new();
    for _ in 0..count {
        let id = read_u32(f, name)?;
        let len = read_u64(f, name)?;
        pos += 12;
        if !matches!(pos.checked_add(len), Some(end) if end <= file_len) {
            return Err(Error::Format(format!(
                "{name}: section {id} runs past the end of the file (truncated)"
            )));
        }
        sections.push((id, pos, len));
        pos += len;
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(name, e))?;
    }
    Ok(SectionIndex(sections))
}

fn read_header(f: &mut BufReader<File>, at: u64, len: u64, name: &str) -> Result<Header> {
    // n8, prime, nVars, nOutputs, nPubInputs, nPrvInputs, nLabels (u64), nConstraints
    const EXPECTED: u64 = 4 + N8 as u64 + 4 * 4 + 8 + 4;
    f.seek(SeekFrom::Start(at))
        .map_err(|e| Error::io(name, e))?;
    let n8 = read_u32(f, name)? as usize;
    let mut prime = [0u8; N8];
    if n8 == N8 {
        read_exact(f, &mut prime, name)?;
    }
    if n8 != N8 || prime[..] != Fr::MODULUS.to_bytes_le()[..] {
        return Err(Error::Format(format!("{name}: wrong prime: the circuit is not over BN254's scalar field (compile with circom --prime bn128)")));
    }
    if len != EXPECTED {
        return Err(Error::Format(format!(
            "{name}: header section has {len} bytes, expected {EXPECTED}"
        )));
    }
    let n_vars = read_u32(f, name)?;
    let n_outputs = read_u32(f, name)?;
    let n_pub_inputs = read_u32(f, name)?;
    let _n_prv_inputs = read_u32(f, name)?;
    let _n_labels = read_u64(f, name)?;
    let n_constraints = read_u32(f, name)?;
    let header = Header {
        n_vars,
        n_outputs,
        n_pub_inputs,
        n_constraints,
    };
    if n_vars == 0 || header.n_public() as u64 >= n_vars as u64 {
        return Err(Error::Format(format!(
            "{name}: {n_vars} wires cannot hold {} public signals and the constant one",
            header.n_public()
        )));
    }
    Ok(header)
}

/// Reads constraints in file order: each is three linear combinations A, B, C.
pub struct ConstraintReader {
    input: BufReader<File>,
    remaining: u64,
    n_vars: u32,
    name: String,
}

impl ConstraintReader {
    /// Replaces `out` with the next linear combination's terms, in file order.
    pub fn read_lc(&mut self, out: &mut Vec<Term>) -> Result<()> {
        out.clear();
        let n = self.u32()?;
        let mut entry = [0u8; 4 + N8];
        for _ in 0..n {
            self.take(&mut entry)?;
            let signal = u32::from_le_bytes(entry[0..4].try_into().unwrap());
            if signal >= self.n_vars {
                return Err(Error::Format(format!(
                    "{}: a constraint refers to wire {signal} of {}",
                    self.name, self.n_vars
                )));
            }
            // snarkjs reduces coefficients mod r (Fr.fromRprLE, and multiexp scalars act mod r)
            out.push(Term {
                signal,
                coefficient: Fr::from_le_bytes_mod_order(&entry[4..]),
            });
        }
        Ok(())
    }

    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.take(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads exactly `buf.len()` bytes without leaving the constraint section.
    fn take(&mut self, buf: &mut [u8]) -> Result<()> {
        if (buf.len() as u64) > self.remaining {
            return Err(Error::Format(format!(
                "{}: constraint section is truncated",
                self.name
            )));
        }
        self.remaining -= buf.len() as u64;
        read_exact(&mut self.input, buf, &self.name)
    }
}
