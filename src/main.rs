//! The `certify` binary: parse, run, print the error once, exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match certify::run_with_args(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{}", e.to_string().trim_end());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
