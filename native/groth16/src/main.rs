//! vinfer-groth16: native Groth16 tools for vinfer's circom circuits.
//!
//!   vinfer-groth16 prove --zkey circuit.zkey --witness w.wtns --proof proof.json --public public.json
//!   vinfer-groth16 dev-ptau --power 16 --out dev.ptau      (INSECURE: published secrets)
//!   vinfer-groth16 dev-zkey --r1cs c.r1cs --ptau-power 16 --out c.zkey   (INSECURE: from dev-ptau's secrets)
//!
//! Progress goes to stderr as `progress <stage> <done> <total>` lines; a
//! one-line JSON summary of stage times goes to stdout.

mod binfile;
mod encoding;
mod error;
mod msm;
mod overread;
mod progress;
mod prover;
mod ptau;
mod r1cs;
mod zkey;
mod zkey_setup;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};

#[derive(Parser)]
#[command(
    name = "vinfer-groth16",
    version,
    about = "Native Groth16 prover and INSECURE dev powers of tau, snarkjs-compatible"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prove from a snarkjs .zkey and a .wtns witness; writes snarkjs' proof and public-signal JSON.
    Prove {
        #[arg(long)]
        zkey: PathBuf,
        #[arg(long)]
        witness: PathBuf,
        #[arg(long)]
        proof: PathBuf,
        #[arg(long)]
        public: PathBuf,
    },
    /// Write an INSECURE development powers of tau (prepared for phase 2) whose secrets are public.
    DevPtau {
        #[arg(long)]
        power: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the Groth16 key `snarkjs zkey new` makes from an .r1cs and the dev ptau of this power (INSECURE), without reading the ptau.
    DevZkey {
        #[arg(long)]
        r1cs: PathBuf,
        #[arg(long)]
        ptau_power: u32,
        #[arg(long)]
        out: PathBuf,
    },
}

fn write(path: &PathBuf, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(&path.display().to_string(), e))
}

fn run(cli: Cli) -> Result<String> {
    let start = Instant::now();
    let ms = |t: Instant| t.elapsed().as_millis();
    match cli.command {
        Command::Prove {
            zkey,
            witness,
            proof,
            public,
        } => {
            let (key, w) = rayon::join(
                || zkey::ProvingKey::read(&zkey),
                || zkey::read_witness(&witness),
            );
            let (key, w) = (key?, w?);
            let loaded = ms(start);
            let p = prover::prove(&key, &w)?;
            write(&proof, &prover::proof_json(&p))?;
            write(&public, &prover::public_json(&p))?;
            Ok(format!(
                "{{\"loadMs\":{loaded},\"proveMs\":{},\"quotientMs\":{},\"threads\":{},\"constraintsDomain\":{}}}",
                ms(start) - loaded,
                p.quotient_ms,
                rayon::current_num_threads(),
                key.domain_size
            ))
        }
        Command::DevPtau { power, out } => {
            ptau::write_dev_ptau(&out, power)?;
            Ok(format!(
                "{{\"power\":{power},\"ms\":{},\"threads\":{}}}",
                ms(start),
                rayon::current_num_threads()
            ))
        }
        Command::DevZkey {
            r1cs,
            ptau_power,
            out,
        } => {
            let s = zkey_setup::write_dev_zkey(&r1cs, ptau_power, &out)?;
            Ok(format!(
                "{{\"ptauPower\":{ptau_power},\"constraints\":{},\"vars\":{},\"public\":{},\"domainSize\":{},\"ms\":{},\"threads\":{}}}",
                s.n_constraints,
                s.n_vars,
                s.n_public,
                s.domain_size,
                ms(start),
                rayon::current_num_threads()
            ))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
