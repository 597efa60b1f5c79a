//! The server's use of the check-in rules: each function here takes parsed input, applies the rules
//! of `rollcall-checkin` with the store and the inference pool, and returns `rollcall-api` types or
//! an [`AppError`](crate::AppError). The routes only parse requests and shape responses.

pub(crate) mod attendance;
pub(crate) mod enrol;
pub(crate) mod frames;
pub(crate) mod gallery;
pub(crate) mod import;
pub(crate) mod passages;
pub(crate) mod roll_calls;
pub(crate) mod self_calibration;
pub(crate) mod tokens;
pub(crate) mod webhook;
