//! Live attendance for dashboards: every check-in and correction, and every alert for staff, is
//! published to every open event stream.

use rollcall_api::{Alert, AttendanceEvent, RollCallSummary};
use tokio::sync::broadcast;

/// One thing an event stream tells its watchers.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    Attendance(AttendanceEvent),
    Alert(Alert),
    /// A roll call was taken (the dashboards show the latest).
    RollCall(RollCallSummary),
    /// A token was revoked: streams open with it end.
    TokenRevoked(i64),
}

#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<LiveEvent>,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Events {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            closing: tokio::sync::watch::channel(false).0,
        }
    }

    /// Ends every open event stream (on shutdown: graceful shutdown waits for open responses, and an
    /// event stream never ends by itself).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `close` has been called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }

    pub fn publish(&self, e: LiveEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.tx.send(e);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
