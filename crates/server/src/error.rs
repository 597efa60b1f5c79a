use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rollcall_store::StoreError;
use serde_json::json;

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
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Conflict(m) => AppError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Unavailable(m) => AppError::DatabaseDown(m),
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, detail, retry) = match self {
            AppError::Client {
                status,
                code,
                message,
                detail,
            } => (status, code, message, detail, false),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "all recognition workers are busy; retry shortly".into(),
                None,
                true,
            ),
            AppError::DatabaseDown(internal) => {
                tracing::error!(error = %internal, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; retry shortly".into(),
                    None,
                    true,
                )
            }
            AppError::Internal(internal) => {
                tracing::error!(error = %internal, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".into(),
                    None,
                    false,
                )
            }
        };
        let mut body = json!({"error": {"code": code, "message": message}});
        if let Some(d) = detail {
            body["error"]["detail"] = d;
        }
        let mut resp = (status, Json(body)).into_response();
        if retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}
