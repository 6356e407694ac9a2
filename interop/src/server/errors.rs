//! melos errors as gRPC statuses.

use melos::Error;
use tonic::Status;

/// `InvalidArgument` with `msg`.
pub fn invalid(msg: &str) -> Status {
    Status::invalid_argument(msg)
}

/// A melos error as a status: malformed or unverifiable input is `InvalidArgument`, a
/// request the group's state does not allow is `FailedPrecondition`, an encoding failure is
/// `Internal`.
pub fn melos_status(e: Error) -> Status {
    let msg = format!("melos: {e} ({e:?})");
    match e {
        Error::Group(_) | Error::KeySchedule(_) | Error::SecretTree(_) => {
            Status::failed_precondition(msg)
        }
        Error::Encode => Status::internal(msg),
        _ => Status::invalid_argument(msg),
    }
}
