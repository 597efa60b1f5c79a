//! Roll calls for votes, the keys that sign them, and their webhook deliveries.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rollcall_api::{ErrorBody, PublicKeyInfo, RollCallSummary, SignedRollCall, WebhookDelivery};

use crate::app::attendance::sitting;
use crate::app::roll_calls;
use crate::auth::{allow, Caller, Role};
use crate::{AppError, AppState};

/// A stored document as served: its bytes exactly as signed.
fn document(status: StatusCode, content_type: &'static str, name: &str, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Freezes the present, eligible delegates of an open sitting now, with counts, quorum and the
/// audit chain's head, signed with the server's key (`rollcall verify FILE` checks it offline).
#[utoipa::path(post, path = "/sittings/{id}/roll-calls", tag = "roll calls",
    params(("id" = i64, Path)),
    responses((status = 201, body = SignedRollCall,
            description = "the signed roll call, as `GET /roll-calls/{id}` serves it"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody,
            description = "`sitting_not_open`")),
    security(("bearer" = [])))]
pub async fn take(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    caller.require(allow::AUDIT)?;
    let s = sitting(&state, id).await?;
    let (roll_call, json) = roll_calls::take(&state, &s, &caller).await?;
    let mut r = document(
        StatusCode::CREATED,
        "application/json",
        &format!("roll-call-{roll_call}.json"),
        json,
    );
    if let Ok(location) = format!("{}/roll-calls/{roll_call}", rollcall_api::API_PREFIX).parse() {
        r.headers_mut().insert(header::LOCATION, location);
    }
    Ok(r)
}

/// A sitting's roll calls, oldest first (figures only; admins also see each webhook delivery).
#[utoipa::path(get, path = "/sittings/{id}/roll-calls", tag = "roll calls",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RollCallSummary>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RollCallSummary>>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    sitting(&state, id).await?;
    Ok(Json(
        roll_calls::list(&state, id, caller.role == Role::Admin).await?,
    ))
}

async fn documents(state: &AppState, id: i64) -> Result<(String, String), AppError> {
    let (_, json, csv) = state
        .store
        .roll_call_documents(id)
        .await?
        .ok_or_else(|| AppError::not_found("roll call"))?;
    Ok((json, csv))
}

/// One roll call, signed JSON.
#[utoipa::path(get, path = "/roll-calls/{id}", tag = "roll calls", params(("id" = i64, Path)),
    responses((status = 200, body = SignedRollCall), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let (json, _) = documents(&state, id).await?;
    Ok(document(
        StatusCode::OK,
        "application/json",
        &format!("roll-call-{id}.json"),
        json,
    ))
}

/// One roll call, signed CSV (its last line is the signature over every byte before it).
#[utoipa::path(get, path = "/roll-calls/{id}/csv", tag = "roll calls", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let (_, csv) = documents(&state, id).await?;
    Ok(document(
        StatusCode::OK,
        "text/csv; charset=utf-8",
        &format!("roll-call-{id}.csv"),
        csv,
    ))
}

/// The public keys roll calls are signed with: save this answer and `rollcall verify --keys FILE`
/// checks roll calls with it, offline.
#[utoipa::path(get, path = "/keys", tag = "roll calls",
    responses((status = 200, body = Vec<PublicKeyInfo>)), security(("bearer" = [])))]
pub async fn keys(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<PublicKeyInfo>>, AppError> {
    Ok(Json(state.store.signing_keys().await?))
}

/// The newest 200 webhook deliveries and where each stands.
#[utoipa::path(get, path = "/webhook/deliveries", tag = "roll calls",
    responses((status = 200, body = Vec<WebhookDelivery>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookDelivery>>, AppError> {
    caller.require(allow::ADMIN)?;
    Ok(Json(state.store.deliveries(200).await?))
}

/// Sends a failed delivery again (its attempts start afresh).
#[utoipa::path(post, path = "/webhook/deliveries/{id}/retry", tag = "roll calls",
    params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDelivery), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`not_failed`: pending or delivered")),
    security(("bearer" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WebhookDelivery>, AppError> {
    caller.require(allow::ADMIN)?;
    let Some(_) = state.store.delivery(id).await? else {
        return Err(AppError::not_found("delivery"));
    };
    if !state.store.retry_delivery(id).await? {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "not_failed",
            "only a failed delivery is retried; this one is pending or delivered",
        ));
    }
    state
        .store
        .audit(
            &caller.actor(),
            "webhook.retry",
            &format!("delivery:{id}"),
            "",
        )
        .await?;
    if let Some(w) = &state.webhook {
        w.wake();
    }
    let d = state.store.delivery(id).await?;
    Ok(Json(d.ok_or_else(|| AppError::not_found("delivery"))?))
}
