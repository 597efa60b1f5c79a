use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::idle_cores::IdleCores;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::VisionError;

type Job = Box<dyn FnOnce(&mut Pipeline) + Send>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoolError {
    #[error("all inference workers are busy and the queue is full")]
    Busy,
    #[error("the inference pool has shut down")]
    Closed,
}

/// A fixed set of worker threads, each owning a `Pipeline`, fed from a bounded queue. `try_submit`
/// never waits: a full queue is `PoolError::Busy`, which the server turns into 503 + Retry-After.
///
/// A job that panics costs that job, not its worker: the panic is caught, counted ([`Self::panics`])
/// and the worker loads a fresh pipeline and goes on. The job's own result channel is dropped
/// unanswered, which its caller reports as an error for that one image.
#[derive(Debug)]
pub struct InferencePool {
    sender: Mutex<Option<SyncSender<Job>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    pub size: usize,
    /// The pool's cores when its frames may borrow idle ones (`PipelineConfig::lend_idle_cores`).
    idle_cores: Option<Arc<IdleCores>>,
    panics: Arc<AtomicU64>,
}

impl InferencePool {
    /// Loads one pipeline per worker up front, so a missing model fails here and not on the first frame.
    pub fn new(
        config: &PipelineConfig,
        workers: usize,
        queue: usize,
    ) -> Result<Arc<Self>, VisionError> {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        let mut handles = Vec::with_capacity(workers);
        // Each single-threaded worker is one core; a frame may borrow another that is idle.
        let idle_cores = config
            .lends_idle_cores(workers)
            .then(|| IdleCores::new(workers));
        let panics = Arc::new(AtomicU64::new(0));
        let load = {
            let config = config.clone();
            let idle_cores = idle_cores.clone();
            move || -> Result<Pipeline, VisionError> {
                let mut pipeline = Pipeline::load(&config)?;
                if let Some(cores) = &idle_cores {
                    pipeline.borrow_idle_cores(Arc::clone(cores))?;
                }
                Ok(pipeline)
            }
        };
        for i in 0..workers.max(1) {
            let mut pipeline = load()?;
            let load = load.clone();
            let panics = Arc::clone(&panics);
            let cores = idle_cores.clone();
            let rx = Arc::clone(&rx);
            let handle = std::thread::Builder::new()
                .name(format!("inference-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => {
                            let _core = cores.as_ref().map(IdleCores::occupy);
                            if catch_unwind(AssertUnwindSafe(|| job(&mut pipeline))).is_err() {
                                panics.fetch_add(1, Ordering::Relaxed);
                                // The panic may have left the pipeline half-way through a frame
                                // (SFace's kept thread included): start again from the models.
                                if let Ok(fresh) = load() {
                                    pipeline = fresh;
                                }
                            }
                        }
                        Err(_) => return,
                    }
                })
                .expect("spawn inference worker");
            handles.push(handle);
        }
        Ok(Arc::new(Self {
            sender: Mutex::new(Some(tx)),
            workers: Mutex::new(handles),
            size: workers.max(1),
            idle_cores,
            panics,
        }))
    }

    /// The pool's cores, when its frames borrow idle ones: how many are busy, how often one was lent.
    pub fn idle_cores(&self) -> Option<&Arc<IdleCores>> {
        self.idle_cores.as_ref()
    }

    /// How many jobs have panicked since the pool started (each cost its own image only).
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Queues `job` for the next free worker; the job reports its own result (e.g. through a channel).
    pub fn try_submit(
        &self,
        job: impl FnOnce(&mut Pipeline) + Send + 'static,
    ) -> Result<(), PoolError> {
        let guard = self.sender.lock().map_err(|_| PoolError::Closed)?;
        let sender = guard.as_ref().ok_or(PoolError::Closed)?;
        sender.try_send(Box::new(job)).map_err(|e| match e {
            TrySendError::Full(_) => PoolError::Busy,
            TrySendError::Disconnected(_) => PoolError::Closed,
        })
    }

    /// Like `try_submit` but waits for room in the queue (batch jobs such as evaluation).
    pub fn submit(
        &self,
        job: impl FnOnce(&mut Pipeline) + Send + 'static,
    ) -> Result<(), PoolError> {
        let sender = self
            .sender
            .lock()
            .map_err(|_| PoolError::Closed)?
            .clone()
            .ok_or(PoolError::Closed)?;
        sender.send(Box::new(job)).map_err(|_| PoolError::Closed)
    }

    /// Stops taking jobs, lets queued ones finish and joins the workers.
    pub fn shutdown(&self) {
        if let Ok(mut s) = self.sender.lock() {
            s.take();
        }
        if let Ok(mut w) = self.workers.lock() {
            for h in w.drain(..) {
                let _ = h.join();
            }
        }
    }
}

impl Drop for InferencePool {
    fn drop(&mut self) {
        self.shutdown();
    }
}
