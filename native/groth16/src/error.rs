//! One error type for the tool; each message names the file or value at fault.

use std::fmt;

pub enum Error {
    Io(String, std::io::Error),
    Format(String),
    Input(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(name: &str, e: std::io::Error) -> Self {
        Error::Io(name.to_string(), e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(name, e) => write!(f, "{name}: {e}"),
            Error::Format(m) => write!(f, "malformed input: {m}"),
            Error::Input(m) => write!(f, "{m}"),
        }
    }
}
