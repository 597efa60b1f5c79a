use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream, StreamExt};
use rollcall_api::{
    Amendment, Attendance, AttendanceEvent, AttendanceSnapshot, CheckinStatus, CheckoutStatus,
    ErrorBody, EventKind, ExpectedDelegation, KioskDirection, LangQuery, ManualCheckin,
    ManualCheckinAnswer, ManualCheckout, ManualCheckoutAnswer, Movement, NewAmendment, NewSitting,
    RemoveCheckinQuery, RollAddition, Sitting, SittingStatus,
};
use rollcall_checkin::quorum;
use rollcall_i18n::Lang;
use rollcall_record::sheet::Format;
use rollcall_store::{CheckinOutcome, MoveOutcome};
use tokio_stream::wrappers::BroadcastStream;

use crate::app::attendance::{
    announce, attendance as attendance_of, expected as expected_of, sheet as attendance_sheet,
    sitting,
};
use crate::app::passages;
use crate::auth::{allow, Caller};
use crate::events::LiveEvent;
use crate::{AppError, AppState};

#[utoipa::path(post, path = "/sittings", tag = "sittings", request_body = NewSitting,
    responses((status = 201, body = Sitting), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewSitting>, JsonRejection>,
) -> Result<(StatusCode, Json<Sitting>), AppError> {
    caller.require(allow::ADMIN)?;
    let Json(new) = body.map_err(|e| AppError::invalid_json(&e))?;
    if new.name.trim().is_empty() || new.name.trim().chars().count() > MAX_SITTING_NAME_CHARS {
        return Err(AppError::unprocessable(
            "invalid_name",
            format!("the sitting needs a name of 1 to {MAX_SITTING_NAME_CHARS} characters"),
        ));
    }
    let q = &new.quorum;
    quorum::validate(q).map_err(|e| AppError::unprocessable(e.code(), e.to_string()))?;
    let s = state
        .store
        .create_sitting(new.name.trim(), q.numerator, q.denominator, q.rule, q.basis)
        .await?;
    state
        .store
        .audit(
            &caller.actor(),
            "sitting.create",
            &format!("sitting:{}", s.id),
            &format!("basis:{}", s.quorum_basis.as_str()),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

#[utoipa::path(get, path = "/sittings", tag = "sittings",
    responses((status = 200, body = Vec<Sitting>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Sitting>>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    Ok(Json(state.store.sittings().await?))
}

#[utoipa::path(post, path = "/sittings/{id}/open", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Sitting),
        (status = 409, body = ErrorBody,
            description = "another sitting is open, or this one is closed")),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Sitting>, AppError> {
    caller.require(allow::ADMIN)?;
    let s = state.store.open_sitting(id).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "sitting.open",
            &format!("sitting:{id}"),
            "",
        )
        .await?;
    Ok(Json(s))
}

#[utoipa::path(post, path = "/sittings/{id}/close", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Sitting), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Sitting>, AppError> {
    caller.require(allow::ADMIN)?;
    let s = state.store.close_sitting(id).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "sitting.close",
            &format!("sitting:{id}"),
            "",
        )
        .await?;
    Ok(Json(s))
}

#[utoipa::path(post, path = "/sittings/{id}/checkins", tag = "check-in", params(("id" = i64, Path)),
    request_body = ManualCheckin,
    responses((status = 201, description = "checked_in", body = ManualCheckinAnswer),
        (status = 200, description = "already_checked_in, or returned (back in the hall after \
            leaving)", body = ManualCheckinAnswer),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn manual_checkin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<ManualCheckin>, JsonRejection>,
) -> Result<(StatusCode, Json<ManualCheckinAnswer>), AppError> {
    caller.require(allow::STAFF)?;
    let Json(m) = body.map_err(|e| AppError::invalid_json(&e))?;
    let reason = reason_of(&m.reason, "a manual check-in")?;
    let s = sitting(&state, id).await?;
    if s.status != SittingStatus::Open {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "sitting_not_open",
            "check-ins are taken for the open sitting only",
        ));
    }
    let now = chrono::Utc::now().timestamp_millis();
    let outcome = state
        .store
        .check_in(
            id,
            m.delegate_id,
            "manual",
            None,
            Some(reason.as_str()),
            &caller.actor(),
            now,
            "",
        )
        .await?;
    let (code, status) = match outcome {
        CheckinOutcome::New(_) => {
            announce(&state, &s, EventKind::Checkin, m.delegate_id, "manual", now).await?;
            (StatusCode::CREATED, CheckinStatus::CheckedIn)
        }
        // Checked in earlier and out of the hall since: the desk lets them back in.
        CheckinOutcome::Already(record) if !record.in_hall => {
            match passages::by_hand(
                &state,
                &caller,
                &s,
                m.delegate_id,
                KioskDirection::Entrance,
                &reason,
            )
            .await?
            {
                MoveOutcome::Moved => (StatusCode::OK, CheckinStatus::Returned),
                _ => (StatusCode::OK, CheckinStatus::AlreadyCheckedIn),
            }
        }
        CheckinOutcome::Already(_) => (StatusCode::OK, CheckinStatus::AlreadyCheckedIn),
    };
    Ok((
        code,
        Json(ManualCheckinAnswer {
            status,
            delegate_id: m.delegate_id,
        }),
    ))
}

#[utoipa::path(delete, path = "/sittings/{id}/checkins/{delegate_id}", tag = "check-in",
    params(("id" = i64, Path), ("delegate_id" = i64, Path), RemoveCheckinQuery),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn remove_checkin(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, delegate_id)): Path<(i64, i64)>,
    Query(q): Query<RemoveCheckinQuery>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::STAFF)?;
    let reason = reason_of(
        q.reason.as_deref().unwrap_or_default(),
        "taking a check-in back",
    )?;
    let s = sitting(&state, id).await?;
    if s.status == SittingStatus::Closed {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "sitting_closed",
            "a closed sitting's record is only changed by an amendment (admins, with a reason)",
        ));
    }
    if !state.store.remove_checkin(id, delegate_id).await? {
        return Err(AppError::not_found("check-in"));
    }
    state
        .store
        .audit_with_reason(
            &caller.actor(),
            "checkin.remove",
            delegate_id,
            &format!("sitting:{id}"),
            &reason,
        )
        .await?;
    let now = chrono::Utc::now().timestamp_millis();
    announce(&state, &s, EventKind::Checkout, delegate_id, "manual", now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The desk marks a checked-in delegate as having left the hall (the check-in stays in the
/// record; the next entrance brings them back in).
#[utoipa::path(post, path = "/sittings/{id}/checkouts", tag = "check-in",
    params(("id" = i64, Path)), request_body = ManualCheckout,
    responses((status = 201, description = "checked_out", body = ManualCheckoutAnswer),
        (status = 200, description = "already_out", body = ManualCheckoutAnswer),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn manual_checkout(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<ManualCheckout>, JsonRejection>,
) -> Result<(StatusCode, Json<ManualCheckoutAnswer>), AppError> {
    caller.require(allow::STAFF)?;
    let Json(m) = body.map_err(|e| AppError::invalid_json(&e))?;
    let reason = reason_of(&m.reason, "marking a delegate out")?;
    let s = sitting(&state, id).await?;
    let outcome = passages::by_hand(
        &state,
        &caller,
        &s,
        m.delegate_id,
        KioskDirection::Exit,
        &reason,
    )
    .await?;
    let (code, status) = match outcome {
        MoveOutcome::Moved => (StatusCode::CREATED, CheckoutStatus::CheckedOut),
        _ => (StatusCode::OK, CheckoutStatus::AlreadyOut),
    };
    Ok((
        code,
        Json(ManualCheckoutAnswer {
            status,
            delegate_id: m.delegate_id,
        }),
    ))
}

/// Every passage after a check-in (out of the hall, back in), oldest first.
#[utoipa::path(get, path = "/sittings/{id}/movements", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Movement>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn movements(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Movement>>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let s = sitting(&state, id).await?;
    Ok(Json(passages::movements(&state, &s).await?))
}

/// Longest reason kept for a check-in by hand, a correction, an amendment or a roll addition.
const MAX_REASON_CHARS: usize = 500;

/// Longest sitting name ("Phiên họp trù bị, Đại hội Đảng bộ tỉnh Hà Tĩnh lần thứ XX" is 57).
const MAX_SITTING_NAME_CHARS: usize = 200;

fn reason_of(reason: &str, what: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::unprocessable(
            "reason_required",
            format!("{what} needs a reason of 1 to {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(reason.to_string())
}

/// Corrects a closed sitting: counts a delegate on its roll present, or takes their presence back.
/// Admins only, with a reason; the amendment is shown in the attendance and its CSV.
#[utoipa::path(post, path = "/sittings/{id}/amendments", tag = "attendance",
    params(("id" = i64, Path)), request_body = NewAmendment,
    responses((status = 201, body = Amendment), (status = 404, body = ErrorBody),
        (status = 409, description = "the sitting is not closed, or nothing would change",
            body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn amend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<NewAmendment>, JsonRejection>,
) -> Result<(StatusCode, Json<Amendment>), AppError> {
    caller.require(allow::ADMIN)?;
    let Json(a) = body.map_err(|e| AppError::invalid_json(&e))?;
    let reason = reason_of(&a.reason, "an amendment")?;
    sitting(&state, id).await?;
    let amendment = state
        .store
        .amend(id, a.delegate_id, a.action, &reason, &caller.actor())
        .await?;
    state
        .store
        .audit(
            &caller.actor(),
            "sitting.amend",
            &format!("delegate:{}", a.delegate_id),
            &format!(
                "sitting:{id} action:{} amendment:{}",
                a.action.as_str(),
                amendment.id
            ),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(amendment)))
}

/// Adds a delegate to an open sitting's eligible roll (fixed when the sitting opened). Admins only,
/// with a reason, kept erasably and audited by its digest in the same transaction.
#[utoipa::path(post, path = "/sittings/{id}/roll", tag = "attendance",
    params(("id" = i64, Path)), request_body = RollAddition,
    responses((status = 201, description = "added"), (status = 200, description = "already on it"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_to_roll(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<RollAddition>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::ADMIN)?;
    let Json(r) = body.map_err(|e| AppError::invalid_json(&e))?;
    let reason = reason_of(&r.reason, "adding a delegate to the roll")?;
    sitting(&state, id).await?;
    if !state
        .store
        .add_to_roll(id, r.delegate_id, &reason, &caller.actor())
        .await?
    {
        return Ok(StatusCode::OK);
    }
    Ok(StatusCode::CREATED)
}

#[utoipa::path(get, path = "/sittings/{id}/attendance", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 200, body = Attendance), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn attendance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Attendance>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let s = sitting(&state, id).await?;
    Ok(Json(attendance_of(&state, &s).await?))
}

#[utoipa::path(get, path = "/sittings/{id}/expected", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 200, description = "who has not arrived, by delegation",
        body = Vec<ExpectedDelegation>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn expected(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ExpectedDelegation>>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let s = sitting(&state, id).await?;
    Ok(Json(expected_of(&state, &s).await?))
}

#[utoipa::path(get, path = "/sittings/{id}/attendance.csv", tag = "attendance",
    params(("id" = i64, Path), LangQuery),
    responses((status = 200, content_type = "text/csv",
        description = "UTF-8 with a byte-order mark; formula-like cells defused", body = String)),
    security(("bearer" = [])))]
pub async fn attendance_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    attendance_file(&state, &caller, id, Format::Csv, export_lang(&q, &headers)?).await
}

#[utoipa::path(get, path = "/sittings/{id}/attendance.xlsx", tag = "attendance",
    params(("id" = i64, Path), LangQuery),
    responses((status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        body = Vec<u8>)),
    security(("bearer" = [])))]
pub async fn attendance_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    attendance_file(
        &state,
        &caller,
        id,
        Format::Xlsx,
        export_lang(&q, &headers)?,
    )
    .await
}

/// The language of an export: `?lang=`, else the `Accept-Language` header, else English.
fn export_lang(q: &LangQuery, headers: &HeaderMap) -> Result<Lang, AppError> {
    if let Some(tag) = &q.lang {
        return Lang::from_tag(tag).ok_or_else(|| {
            let known: Vec<&str> = Lang::ALL.iter().map(|l| l.tag()).collect();
            AppError::unprocessable(
                "invalid_lang",
                format!("lang {tag:?}: use one of {}", known.join(", ")),
            )
        });
    }
    Ok(crate::web::browser_lang(headers))
}

/// The attendance as a spreadsheet file to save.
async fn attendance_file(
    state: &AppState,
    caller: &Caller,
    id: i64,
    format: Format,
    lang: Lang,
) -> Result<Response, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let s = sitting(state, id).await?;
    let att = attendance_of(state, &s).await?;
    let bytes = attendance_sheet(&s, &att, lang)
        .write(format)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("attendance-{id}.{}", format.extension());
    Ok(download(format.content_type(), &name, bytes))
}

/// A file to save: its type and the name a browser saves it under.
fn download(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Server-sent events: a `snapshot` with the current counts, then one event per check-in or correction.
#[utoipa::path(get, path = "/sittings/{id}/events", tag = "attendance", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream",
        description = "`snapshot` (AttendanceSnapshot), then `checkin` / `checkout` / \
            `exit` / `reentry` events (AttendanceEvent), `alert` events (Alert) and \
            `roll_call` events (RollCallSummary)",
        body = AttendanceEvent)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    caller.require(allow::ATTENDANCE)?;
    let s = sitting(&state, id).await?;
    let rx = state.events.subscribe();
    let att = attendance_of(&state, &s).await?;
    let snapshot = Event::default()
        .event("snapshot")
        .json_data(AttendanceSnapshot {
            sitting_id: id,
            eligible: att.eligible,
            present: att.present,
            basis: att.basis,
            checked_in: att.checked_in,
            in_hall: att.in_hall,
            required: att.required,
            quorum_reached: att.quorum_reached,
        });
    let first = stream::iter(snapshot.ok().map(Ok));
    let token = caller.token_id;
    let updates = BroadcastStream::new(rx)
        // The stream ends when its own token is revoked here (other servers: `token_lapsed`).
        .take_while(move |e| {
            let revoked = matches!(e, Ok(LiveEvent::TokenRevoked(t)) if *t == token);
            async move { !revoked }
        })
        .filter_map(move |e| async move {
            match e {
                Ok(LiveEvent::Attendance(ev)) if ev.sitting_id == id => Event::default()
                    .event(ev.kind.as_str())
                    .json_data(&ev)
                    .ok()
                    .map(Ok),
                Ok(LiveEvent::Alert(alert)) if alert.sitting_id == id => Event::default()
                    .event("alert")
                    .json_data(&alert)
                    .ok()
                    .map(Ok),
                Ok(LiveEvent::RollCall(r)) if r.sitting_id == id => Event::default()
                    .event("roll_call")
                    .json_data(&r)
                    .ok()
                    .map(Ok),
                // A slow client that missed events is told to reload rather than see wrong counts.
                Err(_) => Some(Ok(Event::default().event("lagged").data("reload"))),
                _ => None,
            }
        });
    let end = {
        let (closed, lapsed) = (state.events.closed(), token_lapsed(state.clone(), token));
        async move {
            tokio::select! {
                () = closed => {}
                () = lapsed => {}
            }
        }
    };
    Ok(Sse::new(first.chain(updates).take_until(end))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Resolves once the token is revoked (by any server sharing the database) or has expired.
async fn token_lapsed(state: AppState, token_id: i64) {
    let mut tick = tokio::time::interval(crate::app::tokens::STREAM_RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !crate::app::tokens::still_valid(&state, token_id).await {
            return;
        }
    }
}
