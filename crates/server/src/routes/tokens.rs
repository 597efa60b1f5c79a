use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rollcall_api::{CreatedToken, ErrorBody, NewToken, TokenInfo};

use crate::app::tokens;
use crate::auth::{allow, Caller};
use crate::{AppError, AppState};

/// Every token, revoked and expired ones included (never a secret or its hash).
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenInfo>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenInfo>>, AppError> {
    caller.require(allow::ADMIN)?;
    Ok(Json(tokens::list(&state).await?))
}

/// A new token; its secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    caller.require(allow::ADMIN)?;
    let Json(new) = body.map_err(|e| AppError::invalid_json(&e))?;
    Ok((
        StatusCode::CREATED,
        Json(tokens::create(&state, &caller, new).await?),
    ))
}

/// Revokes a token at once (again: no change).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::ADMIN)?;
    tokens::revoke(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
