//! The HTTP surface: each handler parses its request, calls `app`, and maps the outcome to HTTP.
//! Routes are registered once, through `utoipa-axum`, which builds the OpenAPI document from the
//! same registrations: a route cannot be served without being documented.

mod body;
mod delegates;
mod kiosk;
mod misc;
mod roll_calls;
mod sittings;
mod tokens;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub(crate) use body::{read_body, read_image};

use crate::AppState;

/// Largest JSON request body: the longest field (a 500-character reason, a 256-character name) is
/// far below it; a megabyte of "sitting name" is refused before it is parsed.
pub(crate) const MAX_JSON_BYTES: usize = 64 * 1024;

/// Every route with its OpenAPI description, as one router.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    // Routes that take an image; every other body is JSON, under the router-wide MAX_JSON_BYTES.
    let image = || DefaultBodyLimit::max(state.config.max_upload_bytes.saturating_add(1));
    let v1 = OpenApiRouter::new()
        .routes(routes!(delegates::create, delegates::list))
        .routes(
            routes!(delegates::import).layer(DefaultBodyLimit::max(state.config.max_import_bytes)),
        )
        .routes(routes!(delegates::get, delegates::update, delegates::erase))
        .routes(routes!(delegates::add_photo).layer(image()))
        .routes(routes!(delegates::delete_photo))
        .routes(routes!(delegates::identify).layer(image()))
        .routes(routes!(sittings::create, sittings::list))
        .routes(routes!(sittings::open))
        .routes(routes!(sittings::close))
        .routes(routes!(sittings::manual_checkin))
        .routes(routes!(sittings::remove_checkin))
        .routes(routes!(sittings::manual_checkout))
        .routes(routes!(sittings::movements))
        .routes(routes!(sittings::amend))
        .routes(routes!(sittings::add_to_roll))
        .routes(routes!(sittings::attendance))
        .routes(routes!(sittings::expected))
        .routes(routes!(sittings::attendance_csv))
        .routes(routes!(sittings::attendance_xlsx))
        .routes(routes!(sittings::events))
        .routes(routes!(roll_calls::take, roll_calls::list))
        .routes(routes!(roll_calls::get))
        .routes(routes!(roll_calls::get_csv))
        .routes(routes!(roll_calls::keys))
        .routes(routes!(roll_calls::deliveries))
        .routes(routes!(roll_calls::retry))
        .routes(routes!(kiosk::frame).layer(image()))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(misc::audit_head))
        .routes(routes!(misc::session))
        .routes(routes!(misc::threshold));
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .nest(rollcall_api::API_PREFIX, v1)
        .routes(routes!(misc::healthz))
        .routes(routes!(crate::web::catalogue))
        .routes(routes!(misc::metrics))
}

/// A request must be answered (its body read, its answer begun) within `request_timeout_ms`: a
/// client that sends its body a byte at a time holds a connection, never a worker, for longer.
async fn request_timeout(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = std::time::Duration::from_millis(state.config.request_timeout_ms);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => crate::AppError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request was not complete within {} ms",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api(&state).split_for_parts();
    let doc: Arc<str> = serde_json::to_string(&doc)
        .expect("the OpenAPI document serialises")
        .into();
    api.route("/", get(crate::web::dashboard))
        .route("/enrol", get(crate::web::enrol))
        .route("/kiosk", get(crate::web::kiosk))
        .route("/report", get(crate::web::report))
        .route("/assets/{name}", get(crate::web::asset))
        // The document describes routes and shapes only (no data), so it needs no token.
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        doc.to_string(),
                    )
                }
            }),
        )
        .fallback(misc::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        // Image bodies are read by `read_body`, which enforces the upload limit (set on their
        // routes) with a JSON 413; JSON bodies stop at MAX_JSON_BYTES.
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .with_state(state)
}
