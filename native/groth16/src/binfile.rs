//! The iden3 binary container that snarkjs and circom use for .ptau, .zkey,
//! .wtns and .r1cs files: a 4-byte magic, a u32 version, a u32 section count,
//! then sections of (u32 id, u64 byte length, bytes), in any order.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// A whole binary file held in memory, with its sections indexed by id.
pub struct BinFile {
    bytes: Vec<u8>,
    sections: HashMap<u32, (usize, usize)>,
    name: String,
}

impl BinFile {
    /// Reads `path` and checks its magic (e.g. `b"zkey"`) and version.
    pub fn read(path: &Path, magic: &[u8; 4], max_version: u32) -> Result<Self> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        let bad = |why: &str| Error::Format(format!("{name}: {why}"));
        if bytes.len() < 12 || &bytes[0..4] != magic {
            return Err(bad(&format!(
                "not a {} file (wrong magic)",
                String::from_utf8_lossy(magic)
            )));
        }
        let version = u32_at(&bytes, 4);
        if version == 0 || version > max_version {
            return Err(bad(&format!("unsupported version {version}")));
        }
        let count = u32_at(&bytes, 8);
        let mut sections = HashMap::new();
        let mut pos = 12usize;
        for _ in 0..count {
            if pos + 12 > bytes.len() {
                return Err(bad("truncated section header"));
            }
            let id = u32_at(&bytes, pos);
            let len = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
            let start = pos + 12;
            if start + len > bytes.len() {
                return Err(bad(&format!("section {id} runs past the end of the file")));
            }
            if sections.insert(id, (start, len)).is_some() {
                return Err(bad(&format!("section {id} appears twice")));
            }
            pos = start + len;
        }
        Ok(Self {
            bytes,
            sections,
            name,
        })
    }

    /// The bytes of section `id`, or a format error naming the file.
    pub fn section(&self, id: u32) -> Result<&[u8]> {
        let (start, len) = self
            .sections
            .get(&id)
            .ok_or_else(|| Error::Format(format!("{}: missing section {id}", self.name)))?;
        Ok(&self.bytes[*start..*start + *len])
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

pub fn u32_at(bytes: &[u8], pos: usize) -> u32 {
    u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap())
}

/// Writes a binary file section by section; section lengths are known up front.
pub struct BinWriter {
    out: BufWriter<File>,
    name: String,
}

impl BinWriter {
    pub fn create(path: &Path, magic: &[u8; 4], version: u32, sections: u32) -> Result<Self> {
        let name = path.display().to_string();
        let file = File::create(path).map_err(|e| Error::io(&name, e))?;
        let mut w = Self {
            out: BufWriter::with_capacity(1 << 22, file),
            name,
        };
        w.bytes(magic)?;
        w.bytes(&version.to_le_bytes())?;
        w.bytes(&sections.to_le_bytes())?;
        Ok(w)
    }

    pub fn begin_section(&mut self, id: u32, len: u64) -> Result<()> {
        self.bytes(&id.to_le_bytes())?;
        self.bytes(&len.to_le_bytes())
    }

    pub fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).map_err(|e| Error::io(&self.name, e))
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::io(&self.name, e))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|e| Error::io(&self.name, e))
    }
}
