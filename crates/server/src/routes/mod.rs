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

/// Every route with its OpenAPI description, as one router.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(delegates::create, delegates::list))
        .routes(
            routes!(delegates::import).layer(DefaultBodyLimit::max(state.config.max_import_bytes)),
        )
        .routes(routes!(delegates::get, delegates::update, delegates::erase))
        .routes(routes!(delegates::add_photo))
        .routes(routes!(delegates::delete_photo))
        .routes(routes!(delegates::identify))
        .routes(routes!(sittings::create, sittings::list))
        .routes(routes!(sittings::open))
        .routes(routes!(sittings::close))
        .routes(routes!(sittings::manual_checkin))
        .routes(routes!(sittings::remove_checkin))
        .routes(routes!(sittings::amend))
        .routes(routes!(sittings::add_to_roll))
        .routes(routes!(sittings::attendance))
        .routes(routes!(sittings::attendance_csv))
        .routes(routes!(sittings::events))
        .routes(routes!(roll_calls::take, roll_calls::list))
        .routes(routes!(roll_calls::get))
        .routes(routes!(roll_calls::get_csv))
        .routes(routes!(roll_calls::keys))
        .routes(routes!(roll_calls::deliveries))
        .routes(routes!(roll_calls::retry))
        .routes(routes!(kiosk::frame))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(misc::audit_head))
        .routes(routes!(misc::session));
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .nest(rollcall_api::API_PREFIX, v1)
        .routes(routes!(misc::healthz))
        .routes(routes!(misc::metrics))
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api(&state).split_for_parts();
    let doc: Arc<str> = serde_json::to_string(&doc)
        .expect("the OpenAPI document serialises")
        .into();
    api.route("/", get(crate::web::dashboard))
        .route("/enrol", get(crate::web::enrol))
        .route("/kiosk", get(crate::web::kiosk))
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
        // Bodies are read by `read_body`, which enforces the configured limit with a JSON 413.
        .layer(DefaultBodyLimit::max(
            state.config.max_upload_bytes.saturating_add(1),
        ))
        .with_state(state)
}
