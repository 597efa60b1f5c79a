//! SFace on a thread that lives as long as its pipeline, for the frames that run it beside dlib and
//! liveness.
//!
//! A thread spawned for each frame cost SFace about 0.8 ms (docs/performance.md, "Two threads on
//! one frame"): it starts with cold caches, and ONNX Runtime's per-thread working buffers are
//! allocated again on its first convolution. This thread waits for work blocked on a channel and
//! keeps both.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use image::RgbImage;

use crate::sface::{SfaceEmbedder, SFACE_DIM};
use crate::VisionError;

pub(crate) type Features = Result<Vec<[f32; SFACE_DIM]>, VisionError>;

struct Job {
    crops: Vec<RgbImage>,
    flip: bool,
    reply: Sender<Features>,
}

/// Runs [`SfaceEmbedder::embed`] on its own thread; the embedder stays shared with the pipeline,
/// which runs it inline for the frames that don't go side by side.
#[derive(Debug)]
pub(crate) struct SfaceThread {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// Locks the embedder; a panic while it was held was a bug already surfaced on the thread that
/// panicked, and the session itself holds no state between runs.
pub(crate) fn lock(sface: &Mutex<SfaceEmbedder>) -> std::sync::MutexGuard<'_, SfaceEmbedder> {
    sface.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SfaceThread {
    pub(crate) fn spawn(sface: Arc<Mutex<SfaceEmbedder>>) -> Result<Self, VisionError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("rollcall-sface".into())
            .spawn(move || {
                // Ends when the pipeline drops its sender.
                for job in queue {
                    let features = lock(&sface).embed(&job.crops, job.flip);
                    // The frame waits for its answer; a send fails only if it is gone.
                    let _ = job.reply.send(features);
                }
            })
            .map_err(VisionError::ThreadStart)?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Starts SFace on `crops`; [`Pending::wait`] gives its features.
    pub(crate) fn start(&self, crops: Vec<RgbImage>, flip: bool) -> Pending {
        let (reply, answer) = mpsc::channel();
        let job = Job { crops, flip, reply };
        if let Some(jobs) = &self.jobs {
            // A send fails only if the thread has ended, which `wait` reports.
            let _ = jobs.send(job);
        }
        Pending(answer)
    }
}

impl Drop for SfaceThread {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            // A panic there was already reported by the frame that waited for it.
            let _ = thread.join();
        }
    }
}

/// SFace's answer for one frame, on its way.
#[must_use = "the frame needs SFace's features"]
pub(crate) struct Pending(Receiver<Features>);

impl Pending {
    /// Waits by yielding, not by blocking: a core that goes idle here slowed SFace on the other
    /// (18.1 against 15.3 ms beside dlib alone, docs/performance.md), and a yield still gives the
    /// core to any other thread that can run.
    pub(crate) fn wait(self) -> Features {
        loop {
            match self.0.try_recv() {
                Ok(features) => return features,
                Err(TryRecvError::Empty) => std::thread::yield_now(),
                // Only a panic inside SFace ends the thread with a frame in hand: a bug, to
                // surface as it would without the thread.
                Err(TryRecvError::Disconnected) => panic!("SFace's thread panicked"),
            }
        }
    }
}
