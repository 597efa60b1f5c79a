//! rollcall's words in every language it speaks (Vietnamese and English today). The catalogues
//! are Fluent files (`locales/<tag>.ftl`), formatted here with Mozilla's `fluent-bundle` and served
//! as they are to the web pages, which format them with Fluent's JavaScript implementation: one
//! catalogue per language for the kiosks, the exports and the pages. A language is added by adding
//! its file. It is chosen from a tag (`vi`, `en-GB`) or an `Accept-Language` header with
//! `fluent-langneg`, English when nothing matches.

mod catalogue;

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

pub use catalogue::{message_ids, variables};
pub use fluent_bundle::FluentValue;

/// A language rollcall speaks: one of the catalogues under `locales/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(usize);

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

impl Default for Lang {
    fn default() -> Self {
        Lang::EN
    }
}

impl Lang {
    /// The BCP 47 tag (the catalogue's file name).
    pub fn tag(self) -> &'static str {
        CATALOGUES[self.0].0
    }

    /// The language's Fluent catalogue.
    pub fn catalogue(self) -> &'static str {
        CATALOGUES[self.0].1
    }

    /// The language's own name for itself (`Tiếng Việt`), for a language switch.
    pub fn name(self) -> String {
        self.say("language-name", &[])
    }

    /// The language named by a tag (`vi`, `vi-VN`, `EN`), if rollcall speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let wanted: LanguageIdentifier = tag.trim().parse().ok()?;
        Lang::ALL
            .iter()
            .copied()
            .find(|l| wanted.language.as_str() == l.tag())
    }

    /// The best of rollcall's languages for an `Accept-Language` header; English without a match.
    pub fn negotiate(accept_language: &str) -> Lang {
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> = Lang::ALL
            .iter()
            .filter_map(|l| l.tag().parse().ok())
            .collect();
        let default: LanguageIdentifier = Lang::EN.tag().parse().expect("a valid tag");
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            Some(&default),
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|l| Lang::from_tag(&l.to_string()))
            .unwrap_or_default()
    }

    /// The message `id` with `args` filled in. A message missing from a catalogue falls back to
    /// English, then to its id, so that a gap shows as a gap rather than an empty screen.
    pub fn say(self, id: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<(&str, FluentValue)> = args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(*v)))
            .collect();
        self.say_values(id, &args)
    }

    /// As [`Lang::say`], with values that may be numbers (which select plural forms).
    pub fn say_values(self, id: &str, args: &[(&str, FluentValue)]) -> String {
        format(self, id, args)
            .ok()
            .or_else(|| format(Lang::EN, id, args).ok())
            .unwrap_or_else(|| id.to_string())
    }
}

static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    Lang::ALL
        .iter()
        .map(|lang| {
            let resource = FluentResource::try_new(lang.catalogue().to_string())
                .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", lang.tag()));
            let id: LanguageIdentifier = lang.tag().parse().expect("a valid tag");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Names go into a line of their own language: no bidirectional isolation marks,
            // which would end up in CSV cells and terminals.
            bundle.set_use_isolating(false);
            // NUMBER() rounds measured figures in the pages' messages.
            bundle
                .add_builtins()
                .unwrap_or_else(|e| panic!("{} builtins: {e:?}", lang.tag()));
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("{} catalogue: {errors:?}", lang.tag()));
            bundle
        })
        .collect()
});

/// The message formatted, or why it could not be: missing, without a value, or with an argument
/// it needs and did not get.
fn format(lang: Lang, id: &str, args: &[(&str, FluentValue)]) -> Result<String, String> {
    let bundle = &BUNDLES[lang.0];
    let message = bundle.get_message(id).ok_or("no such message")?;
    let pattern = message.value().ok_or("the message has no value")?;
    let mut fluent_args = FluentArgs::new();
    for (k, v) in args {
        fluent_args.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if errors.is_empty() {
        Ok(text.into_owned())
    } else {
        Err(format!("{errors:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message, with every variable it uses given as a number (counts select plural forms)
    /// and, unless it rounds them with NUMBER(), as text, formats without error in every
    /// language, and each language has exactly English's messages.
    #[test]
    fn every_language_has_every_message_and_each_formats() {
        let english = message_ids(Lang::EN);
        assert!(english.len() > 100, "{english:?}");
        for &lang in Lang::ALL {
            assert_eq!(
                message_ids(lang),
                english,
                "{} has other messages",
                lang.tag()
            );
            for id in &english {
                let vars = variables(lang, id);
                let mut values = vec![
                    FluentValue::from(0),
                    FluentValue::from(1),
                    FluentValue::from(7),
                ];
                if !numeric(lang, id) {
                    values.push(FluentValue::from("Nguyễn Thị Phương Thảo"));
                }
                for value in values {
                    let args: Vec<(&str, FluentValue)> =
                        vars.iter().map(|v| (v.as_str(), value.clone())).collect();
                    match format(lang, id, &args) {
                        Ok(text) => assert!(
                            !text.trim().is_empty() && !text.contains('{'),
                            "{}: {id}: {text:?}",
                            lang.tag()
                        ),
                        // A message made of attributes only (a placeholder, a label) has no value.
                        Err(e) if e == "the message has no value" => {}
                        Err(e) => panic!("{}: {id} does not format: {e}", lang.tag()),
                    }
                }
            }
        }
    }

    /// Whether message `id` passes a variable to NUMBER(), which needs a number.
    fn numeric(lang: Lang, id: &str) -> bool {
        let head = format!("{id} =");
        lang.catalogue()
            .lines()
            .skip_while(|l| !l.starts_with(&head))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with(' ') || l.starts_with('}'))
            .any(|(_, l)| l.contains("NUMBER("))
    }

    #[test]
    fn names_are_filled_in_as_typed() {
        let args = [("name", "Nguyễn Văn An"), ("delegation", "Hà Tĩnh")];
        assert_eq!(
            Lang::VI.say("kiosk-checked-in", &args),
            "Xin chào Nguyễn Văn An (Hà Tĩnh)"
        );
        assert_eq!(
            Lang::EN.say("kiosk-checked-in", &args),
            "Welcome, Nguyễn Văn An (Hà Tĩnh)"
        );
        assert_eq!(Lang::VI.say("no-such-message", &[]), "no-such-message");
        assert_eq!(Lang::VI.name(), "Tiếng Việt");
        assert_eq!(Lang::EN.name(), "English");
    }

    #[test]
    fn counts_choose_plural_forms() {
        let n = |n: i64| [("count", FluentValue::from(n))];
        assert_eq!(Lang::EN.say_values("desk-list-count", &n(1)), "1 delegate");
        assert_eq!(Lang::EN.say_values("desk-list-count", &n(3)), "3 delegates");
        assert_eq!(Lang::VI.say_values("desk-list-count", &n(3)), "3 đại biểu");
    }

    #[test]
    fn languages_are_chosen_from_tags_and_headers() {
        assert_eq!(Lang::ALL.len(), 2);
        assert_eq!(Lang::from_tag("vi"), Some(Lang::VI));
        assert_eq!(Lang::from_tag("vi-VN"), Some(Lang::VI));
        assert_eq!(Lang::from_tag("EN-gb"), Some(Lang::EN));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag("not a tag!"), None);
        assert_eq!(Lang::negotiate("vi-VN,vi;q=0.9,en-US;q=0.8"), Lang::VI);
        assert_eq!(Lang::negotiate("fr-FR, en;q=0.5"), Lang::EN);
        assert_eq!(Lang::negotiate("de"), Lang::EN);
        assert_eq!(Lang::negotiate(""), Lang::EN);
        assert_eq!(Lang::default(), Lang::EN);
    }
}
