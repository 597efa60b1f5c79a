use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /i18n`: the words of the web pages in one language, as the Fluent catalogue the kiosks
/// and exports use too, with the languages a page can switch to. No token needed: the login form
/// speaks the language before anyone has logged in, and the catalogue holds no data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Catalogue {
    /// The language chosen: `?lang=` if rollcall speaks it, else the best match for the
    /// request's `Accept-Language`, else English.
    pub lang: String,
    /// Every language rollcall speaks, each named in itself.
    pub languages: Vec<LanguageInfo>,
    /// The Fluent (`.ftl`) source of the chosen language.
    pub catalogue: String,
}

/// One language: its BCP 47 tag and its own name for itself (`vi`, `Tiếng Việt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LanguageInfo {
    pub tag: String,
    pub name: String,
}
