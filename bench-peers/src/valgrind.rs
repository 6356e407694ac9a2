//! Callgrind's client requests `CALLGRIND_START_INSTRUMENTATION` and
//! `CALLGRIND_STOP_INSTRUMENTATION` (valgrind's `callgrind.h`), so that the runner in
//! instruction mode runs everything outside the timed regions uninstrumented
//! (`valgrind --tool=callgrind --instr-atstart=no`). The setup of a 10,000-member group
//! (KeyPackages, a 9,999-Add Commit, joins) then runs at the speed of valgrind's core, a few
//! times native, instead of the ~30x of full instrumentation; the counts inside the timed
//! regions do not change (callgrind counts guest instructions, and collection is still
//! limited to the region by `--toggle-collect`).
//!
//! A client request is valgrind's "special instruction" sequence: four rotations of `rdi`
//! by 128 bits in all (a no-op on a real CPU) followed by `xchg rbx, rbx`, with `rax`
//! pointing at the request's six words and `rdx` holding the default result. Natively the
//! sequence does nothing. Only x86_64 has it here: elsewhere [`SUPPORTED`] is false, the
//! requests are no-ops and the runner keeps instrumentation on from the start.
#![allow(unsafe_code)]

/// Whether [`start_instrumentation`] and [`stop_instrumentation`] do anything on this target.
pub const SUPPORTED: bool = cfg!(target_arch = "x86_64");

/// `VG_USERREQ_TOOL_BASE('C', 'T')`.
const CALLGRIND_BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
/// `VG_USERREQ__START_INSTRUMENTATION` (the fifth callgrind request).
const START_INSTRUMENTATION: u64 = CALLGRIND_BASE + 4;
/// `VG_USERREQ__STOP_INSTRUMENTATION`.
const STOP_INSTRUMENTATION: u64 = CALLGRIND_BASE + 5;

#[cfg(target_arch = "x86_64")]
fn client_request(request: u64) {
    let args: [u64; 6] = [request, 0, 0, 0, 0, 0];
    let mut result: u64 = 0;
    // SAFETY: on a real CPU the sequence only rotates `rdi` by 3 + 13 + 61 + 51 = 128 bits
    // (its value is unchanged, and it is declared clobbered anyway) and exchanges `rbx` with
    // itself; the flags it changes are not preserved (no `preserves_flags`). Under valgrind
    // the core reads the six words at `rax` (alive for the whole block) and writes `rdx`.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            inout("rdi") 0u64 => _,
            options(nostack),
        );
    }
    core::hint::black_box(result);
}

#[cfg(not(target_arch = "x86_64"))]
fn client_request(_request: u64) {}

/// `CALLGRIND_START_INSTRUMENTATION`: from here on callgrind instruments the code it runs.
/// Outside valgrind it does nothing.
#[inline(never)]
pub fn start_instrumentation() {
    client_request(START_INSTRUMENTATION);
}

/// `CALLGRIND_STOP_INSTRUMENTATION`: from here on callgrind runs the code uninstrumented.
/// Outside valgrind it does nothing.
#[inline(never)]
pub fn stop_instrumentation() {
    client_request(STOP_INSTRUMENTATION);
}
