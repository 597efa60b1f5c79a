use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rollcall_api::{ErrorBody, ErrorDetail};
use rollcall_checkin::enrolment::Refusal;
use rollcall_checkin::roster::FieldError;
use rollcall_checkin::CheckinError;
use rollcall_store::StoreError;

/// Every error the API returns: `{"error": {"code", "message"}}` with the matching status. Internal
/// details of 5xx errors are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
        detail: Option<serde_json::Value>,
    },
    #[error("the server is busy; retry shortly")]
    Busy,
    #[error("database unavailable: {0}")]
    DatabaseDown(String),
    #[error("database busy: {0}")]
    DatabaseBusy(String),
    #[error("too many failed authentications from this address")]
    AuthFailures { retry_after: std::time::Duration },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Client {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        if let AppError::Client { detail: d, .. } = &mut self {
            *d = Some(detail);
        }
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A request body that is not the JSON the route expects.
    pub fn invalid_json(e: &axum::extract::rejection::JsonRejection) -> Self {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "invalid_json"
        };
        Self::new(e.status(), code, e.body_text())
    }
}

impl From<CheckinError> for AppError {
    fn from(e: CheckinError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::unprocessable(e.code(), e.to_string())
    }
}

/// The enrolment gate's refusals are 422 with their code; a duplicate's detail (the other
/// delegate's name) is added by the caller, which can look it up.
impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::unprocessable(r.code(), r.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Conflict(m) => AppError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Unavailable(m) => AppError::DatabaseDown(m),
            StoreError::Busy(m) => AppError::DatabaseBusy(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<rollcall_vision::PoolError> for AppError {
    fn from(e: rollcall_vision::PoolError) -> Self {
        match e {
            rollcall_vision::PoolError::Busy => AppError::Busy,
            rollcall_vision::PoolError::Closed => {
                AppError::Internal("inference pool closed".into())
            }
        }
    }
}

/// What a client is told of an error.
pub(crate) struct PublicError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub detail: Option<serde_json::Value>,
    /// `Retry-After`, seconds.
    pub retry: Option<u64>,
}

impl AppError {
    /// The error as a client may see it; internal details are logged here and go no further.
    pub(crate) fn public(self) -> PublicError {
        let (status, code, message, detail, retry) = match self {
            AppError::Client {
                status,
                code,
                message,
                detail,
            } => (status, code, message, detail, None),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "all recognition workers are busy; retry shortly".into(),
                None,
                Some(1),
            ),
            AppError::DatabaseDown(internal) => {
                tracing::error!(error = %internal, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; retry shortly".into(),
                    None,
                    Some(1),
                )
            }
            AppError::DatabaseBusy(internal) => {
                tracing::warn!(error = %internal, "database busy");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_busy",
                    "the database is busy with other writes; retry shortly".into(),
                    None,
                    Some(1),
                )
            }
            AppError::AuthFailures { retry_after } => {
                // Whole seconds, rounded up: a client that waits what it is told gets through.
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_auth_failures",
                    format!("too many failed authentications from this address; retry in {secs} s"),
                    None,
                    Some(secs.max(1)),
                )
            }
            AppError::Internal(internal) => {
                tracing::error!(error = %internal, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".into(),
                    None,
                    None,
                )
            }
        };
        PublicError {
            status,
            code,
            message,
            detail,
            retry,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let PublicError {
            status,
            code,
            message,
            detail,
            retry,
        } = self.public();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                detail,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
