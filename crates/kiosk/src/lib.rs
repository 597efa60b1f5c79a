//! The kiosk worker. Frames come from a source (a replay folder today), are downscaled and
//! JPEG-encoded, go into an on-disk queue first, and leave the queue only once the server has
//! answered them; so a frame survives the server being down and the kiosk being restarted, and the
//! server's idempotency on `kiosk_frame_id` makes every retry safe.
#![forbid(unsafe_code)]

mod client;
mod queue;
mod source;
mod worker;

pub use client::{Client, Delivery};
pub use queue::{DiskQueue, FrameMeta, QueueError};
pub use source::{FolderSource, Frame};
pub use worker::{greeting, run, KioskConfig, KioskError, Report};
