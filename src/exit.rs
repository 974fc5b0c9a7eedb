//! discosim's exit codes, in one place (README, *Errors*): what a script calling discosim can
//! rely on.

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything went as asked.
    Fine = 0,
    /// `discosim check`: an expectation failed (`run` reports it and exits 0).
    ExpectationFailed = 1,
    /// Bad input: a file, key, value, formula, command line, journal, a preflight refusal, a
    /// results folder in use or holding another scenario's results.
    BadInput = 2,
    /// Results could not be written.
    CannotWrite = 3,
    /// A determinism check failed.
    NotDeterministic = 4,
}

impl Exit {
    /// `discosim compare`: some metric differs significantly (the code `check` uses for a
    /// failed expectation: "the answer is no").
    pub const DIFFERS: Exit = Exit::ExpectationFailed;
    /// `discosim tune`: no setting in the ranges meets every requirement.
    pub const UNMET: Exit = Exit::ExpectationFailed;
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
