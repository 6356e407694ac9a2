//! `melos-vectors verify [--kind KIND] FILE...`: verifies IETF MLS test-vector files against
//! melos and prints one JSON line per file. Exits 0 only when nothing failed and nothing was
//! unsupported (with `--allow-unsupported`: when nothing failed, e.g. for the Partial MLS
//! files whose post-quantum suites melos does not implement yet).

use std::path::Path;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: melos-vectors verify [--kind KIND] [--verbose] [--allow-unsupported] FILE..."
    );
    eprintln!(
        "kinds: {}, {}, {}",
        melos_vectors::KINDS.join(", "),
        melos_vectors::PARTIAL_KINDS.join(", "),
        melos_vectors::HPKE_PQ_KIND
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("verify") {
        return usage();
    }
    let mut kind: Option<String> = None;
    let mut verbose = false;
    let mut allow_unsupported = false;
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--kind" => match args.next() {
                Some(k) => kind = Some(k),
                None => return usage(),
            },
            "--verbose" | "-v" => verbose = true,
            "--allow-unsupported" => allow_unsupported = true,
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        return usage();
    }
    let mut ok = true;
    for f in &files {
        match melos_vectors::verify_file(Path::new(f), kind.as_deref()) {
            Ok(report) => {
                println!("{}", report.to_json_line());
                if verbose {
                    for msg in &report.failures {
                        eprintln!("  {msg}");
                    }
                }
                ok &= report.failed == 0 && (allow_unsupported || report.unsupported == 0);
            }
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
