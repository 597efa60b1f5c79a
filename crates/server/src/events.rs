use serde::Serialize;
use tokio::sync::broadcast;

/// One change of attendance, as sent to dashboards over server-sent events.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceEvent {
    pub sitting_id: i64,
    /// `checkin` or `checkout`.
    pub kind: &'static str,
    pub delegate_id: i64,
    pub full_name: String,
    pub delegation: String,
    pub method: String,
    pub at: i64,
    pub eligible: i64,
    pub present: i64,
    pub required: i64,
    pub quorum_reached: bool,
}

#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<AttendanceEvent>,
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

    pub fn publish(&self, e: AttendanceEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.tx.send(e);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AttendanceEvent> {
        self.tx.subscribe()
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
