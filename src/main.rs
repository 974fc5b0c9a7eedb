//! The `discosim` binary: everything is in the library's `cli` module.

fn main() -> std::process::ExitCode {
    discosim::cli::main()
}
