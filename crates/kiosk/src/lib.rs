//! The kiosk worker. Frames come from a source (a live camera or a replay folder), are downscaled and
//! JPEG-encoded, go into an on-disk queue first, and leave the queue only once the server has
//! answered them; so a frame survives the server being down and the kiosk being restarted, and the
//! server's idempotency on `kiosk_frame_id` makes every retry safe.

#[cfg(feature = "camera")]
pub mod camera;
mod client;
mod queue;
mod scene;
mod source;
mod worker;

pub use client::{Client, Delivery};
pub use queue::{DiskQueue, FrameMeta, QueueError};
pub use rollcall_i18n::Lang;
pub use scene::{SceneGate, Thumb};
pub use source::{FolderSource, Frame, Next, Source};
pub use worker::{encode_frame, greeting, run, KioskConfig, KioskError, Report, SourceSpec};
