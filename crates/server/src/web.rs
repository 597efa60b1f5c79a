//! The web pages (presidium dashboard, staff enrolment desk, browser kiosk, printable attendance
//! report) and their assets, embedded in the binary so a hall without internet needs nothing else.
//! The pages are empty shells:
//! every piece of data comes from the API with the token the user typed, so a browser without a valid
//! token sees a login form and nothing more.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rollcall_api::{Catalogue, LangQuery, LanguageInfo};
use rollcall_i18n::Lang;
use sha2::{Digest, Sha256};

use crate::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        asset!($name, $name, $type)
    };
    ($name:literal, $path:literal, $type:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_str!(concat!("../web/", $path)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("dashboard.html", "text/html; charset=utf-8"),
    asset!("enrol.html", "text/html; charset=utf-8"),
    asset!("kiosk.html", "text/html; charset=utf-8"),
    asset!("report.html", "text/html; charset=utf-8"),
    asset!("rollcall.css", "text/css; charset=utf-8"),
    asset!("common.js", "text/javascript; charset=utf-8"),
    asset!("dashboard.js", "text/javascript; charset=utf-8"),
    asset!("enrol.js", "text/javascript; charset=utf-8"),
    asset!("kiosk.js", "text/javascript; charset=utf-8"),
    asset!("report.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    // Fluent's JavaScript formatter, vendored (see web/vendor/README.md): no CDN in the hall.
    asset!(
        "fluent-bundle.js",
        "vendor/fluent-bundle.js",
        "text/javascript; charset=utf-8"
    ),
];

/// No inline script or style, no third-party origin, camera allowed for this origin only.
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
     media-src 'self' blob: mediastream:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Each asset's ETag, hashed once: the bodies are fixed at build time.
static ETAGS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash = hex::encode(Sha256::digest(a.body.as_bytes()));
            (a.name, format!("\"{}\"", &hash[..16]))
        })
        .collect()
});

fn respond(asset: &Asset, request: &HeaderMap) -> Response {
    let etag = ETAGS[asset.name].clone();
    let common = [
        (header::CACHE_CONTROL, "no-cache".to_string()),
        (header::ETAG, etag.clone()),
        (header::CONTENT_SECURITY_POLICY, CSP.to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::REFERRER_POLICY, "no-referrer".to_string()),
        (header::X_FRAME_OPTIONS, "DENY".to_string()),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=()".to_string(),
        ),
    ];
    if request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("")))
    {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, asset.content_type)],
        asset.body,
    )
        .into_response()
}

fn page(name: &str, headers: &HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => respond(a, headers),
        None => AppError::not_found("page").into_response(),
    }
}

pub async fn dashboard(headers: HeaderMap) -> Response {
    page("dashboard.html", &headers)
}

pub async fn enrol(headers: HeaderMap) -> Response {
    page("enrol.html", &headers)
}

pub async fn kiosk(headers: HeaderMap) -> Response {
    page("kiosk.html", &headers)
}

pub async fn report(headers: HeaderMap) -> Response {
    page("report.html", &headers)
}

pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS
        .iter()
        .find(|a| a.name == name && !a.name.ends_with(".html"))
    {
        Some(a) => respond(a, &headers),
        None => AppError::not_found("asset").into_response(),
    }
}

/// The best of rollcall's languages for the request's `Accept-Language`, English without one.
pub(crate) fn browser_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::negotiate)
        .unwrap_or_default()
}

/// The pages' words in the language asked for (`?lang=`, a choice made on a page), else the
/// browser's (`Accept-Language`), else English. An unknown `lang` is no error here: a language
/// once picked and since removed falls back to the browser's.
#[utoipa::path(get, path = "/i18n", tag = "pages", params(LangQuery),
    responses((status = 200, body = Catalogue)))]
pub async fn catalogue(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| browser_lang(&headers));
    let body = Catalogue {
        lang: lang.tag().to_string(),
        languages: Lang::ALL
            .iter()
            .map(|l| LanguageInfo {
                tag: l.tag().to_string(),
                name: l.name(),
            })
            .collect(),
        catalogue: lang.catalogue().to_string(),
    };
    (
        [
            (header::CACHE_CONTROL, "no-cache"),
            (header::VARY, "Accept-Language"),
            (header::CONTENT_LANGUAGE, lang.tag()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids a page's code names literally: `t('id'`, `data-i18n="id"` and the login
    /// form's `intro: 'id'`. (Ids chosen at run time are caught by the browser tests, which fail
    /// on any message a page asked for and did not find.)
    fn named_ids(body: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for (open, close) in [("t('", '\''), ("data-i18n=\"", '"'), ("intro: '", '\'')] {
            for (at, _) in body.match_indices(open) {
                // `t(` itself, not the end of `get(` or `.t(`.
                let before = body[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &body[at + open.len()..];
                ids.push(rest.chars().take_while(|c| *c != close).collect());
            }
        }
        ids
    }

    #[test]
    fn every_message_a_page_names_is_in_every_catalogue() {
        let mut named = 0;
        for asset in ASSETS.iter().filter(|a| a.name != "fluent-bundle.js") {
            for id in named_ids(asset.body) {
                named += 1;
                for &lang in Lang::ALL {
                    assert!(
                        rollcall_i18n::message_ids(lang).contains(&id),
                        "{} names {id:?}, which {}.ftl lacks",
                        asset.name,
                        lang.tag()
                    );
                }
            }
        }
        assert!(named > 200, "{named}");
    }

    /// A message nobody says is a translation kept up for nothing: each is said by a page (its
    /// id appears quoted in one) or by the native kiosk and the exports (`kiosk-`, `export-`).
    #[test]
    fn every_message_is_said_somewhere() {
        for id in rollcall_i18n::message_ids(Lang::EN) {
            let rust = id.starts_with("kiosk-") && !id.starts_with("kiosk-web-")
                || id.starts_with("export-")
                || id == "language-name";
            let quoted = [format!("'{id}'"), format!("\"{id}\"")];
            let paged = ASSETS
                .iter()
                .any(|a| quoted.iter().any(|q| a.body.contains(q.as_str())));
            assert!(rust || paged, "{id} is said nowhere");
        }
    }

    #[test]
    fn pages_reference_only_embedded_assets() {
        for page in ASSETS.iter().filter(|a| a.name.ends_with(".html")) {
            for part in page.body.split("/assets/").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    .collect();
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{} references /assets/{name}, which is not embedded",
                    page.name
                );
            }
            assert!(
                !page.body.contains("<script>") && !page.body.contains(" style="),
                "{} has inline script or style, which the CSP refuses",
                page.name
            );
            assert!(!page.body.contains("http://") && !page.body.contains("https://"));
        }
    }
}
