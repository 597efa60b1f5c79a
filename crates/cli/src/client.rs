//! A typed client of the server's API for the commands that drive a server (`enrol`, `demo`): the
//! same request and response types the server uses, so a change of the contract is a compile error
//! here rather than a field that silently reads as null.

use reqwest::{Method, RequestBuilder};
use rollcall_api::{
    Attendance, Delegate, ErrorBody, ErrorDetail, ManualCheckin, ManualCheckinAnswer, NewDelegate,
    NewSitting, PhotoAccepted, Sitting, API_PREFIX,
};
use serde::de::DeserializeOwned;

/// What went wrong with one call.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The server answered with an error body.
    #[error("{}: {}", .error.code, .error.message)]
    Refused { status: u16, error: ErrorDetail },
    #[error("contacting the server: {0}")]
    Transport(#[from] reqwest::Error),
}

impl CallError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Refused { status, .. } => Some(*status),
            CallError::Transport(_) => None,
        }
    }

    /// The error's machine-readable code (`busy`, `duplicate_of`, ...), when the server answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Refused { error, .. } => Some(&error.code),
            CallError::Transport(_) => None,
        }
    }
}

/// One token's view of a server.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// `server` is the server's base URL (`http://127.0.0.1:8080`).
    pub fn new(server: &str, token: &str) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: format!("{}{API_PREFIX}", server.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// A successful answer, or the server's error body as a [`CallError`].
    async fn send(req: RequestBuilder) -> Result<reqwest::Response, CallError> {
        let resp = req.send().await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let error = match resp.json::<ErrorBody>().await {
            Ok(body) => body.error,
            Err(_) => ErrorDetail {
                code: "http".into(),
                message: status.to_string(),
                detail: None,
            },
        };
        Err(CallError::Refused {
            status: status.as_u16(),
            error,
        })
    }

    async fn call<T: DeserializeOwned>(req: RequestBuilder) -> Result<T, CallError> {
        Ok(Self::send(req).await?.json().await?)
    }

    /// A document's exact bytes as text (a signed roll call must stay as signed).
    async fn call_text(req: RequestBuilder) -> Result<String, CallError> {
        Ok(Self::send(req).await?.text().await?)
    }

    /// Takes a roll call of an open sitting: its signed JSON, as served.
    pub async fn take_roll_call(&self, sitting: i64) -> Result<String, CallError> {
        Self::call_text(self.request(Method::POST, &format!("/sittings/{sitting}/roll-calls")))
            .await
    }

    /// The public keys roll calls are signed with (`GET /keys`), as served.
    pub async fn keys(&self) -> Result<String, CallError> {
        Self::call_text(self.request(Method::GET, "/keys")).await
    }

    async fn call_empty(req: RequestBuilder) -> Result<(), CallError> {
        Self::send(req).await.map(drop)
    }

    pub async fn create_delegate(&self, new: &NewDelegate) -> Result<Delegate, CallError> {
        Self::call(self.request(Method::POST, "/delegates").json(new)).await
    }

    pub async fn delegates(&self, search: &str) -> Result<Vec<Delegate>, CallError> {
        Self::call(
            self.request(Method::GET, "/delegates")
                .query(&[("q", search)]),
        )
        .await
    }

    pub async fn erase_delegate(&self, id: i64) -> Result<(), CallError> {
        Self::call_empty(self.request(Method::DELETE, &format!("/delegates/{id}"))).await
    }

    pub async fn add_photo(&self, id: i64, image: Vec<u8>) -> Result<PhotoAccepted, CallError> {
        Self::call(
            self.request(Method::POST, &format!("/delegates/{id}/photos"))
                .header("content-type", "image/jpeg")
                .body(image),
        )
        .await
    }

    pub async fn create_sitting(&self, new: &NewSitting) -> Result<Sitting, CallError> {
        Self::call(self.request(Method::POST, "/sittings").json(new)).await
    }

    pub async fn open_sitting(&self, id: i64) -> Result<Sitting, CallError> {
        Self::call(self.request(Method::POST, &format!("/sittings/{id}/open"))).await
    }

    pub async fn attendance(&self, sitting: i64) -> Result<Attendance, CallError> {
        Self::call(self.request(Method::GET, &format!("/sittings/{sitting}/attendance"))).await
    }

    pub async fn manual_checkin(
        &self,
        sitting: i64,
        checkin: &ManualCheckin,
    ) -> Result<ManualCheckinAnswer, CallError> {
        Self::call(
            self.request(Method::POST, &format!("/sittings/{sitting}/checkins"))
                .json(checkin),
        )
        .await
    }
}
