//! rollcall's words in Vietnamese and English. The catalogues are Fluent files
//! (`locales/*.ftl`), formatted with Mozilla's `fluent-bundle`, in a format the web pages can
//! read as they are (Fluent has a JavaScript implementation too). A language is chosen from a tag
//! (`vi`, `en-GB`) or an `Accept-Language` header with `fluent-langneg`, English when nothing
//! matches.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

pub use fluent_bundle::FluentValue;

/// A language rollcall speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Vi,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Vi];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }

    /// The language's Fluent catalogue.
    pub fn catalogue(self) -> &'static str {
        match self {
            Lang::En => include_str!("../locales/en.ftl"),
            Lang::Vi => include_str!("../locales/vi.ftl"),
        }
    }

    /// The language named by a tag (`vi`, `vi-VN`, `EN`), if rollcall speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let wanted: LanguageIdentifier = tag.trim().parse().ok()?;
        Lang::ALL
            .into_iter()
            .find(|l| wanted.language.as_str() == l.tag())
    }

    /// The best of rollcall's languages for an `Accept-Language` header; English without a match.
    pub fn negotiate(accept_language: &str) -> Lang {
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> = Lang::ALL
            .iter()
            .filter_map(|l| l.tag().parse().ok())
            .collect();
        let default: LanguageIdentifier = Lang::En.tag().parse().expect("a valid tag");
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
        format(self, id, args)
            .or_else(|| format(Lang::En, id, args))
            .unwrap_or_else(|| id.to_string())
    }
}

static BUNDLES: LazyLock<Vec<(Lang, FluentBundle<FluentResource>)>> = LazyLock::new(|| {
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let resource = FluentResource::try_new(lang.catalogue().to_string())
                .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", lang.tag()));
            let id: LanguageIdentifier = lang.tag().parse().expect("a valid tag");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Names go into a line of their own language: no bidirectional isolation marks,
            // which would end up in CSV cells and terminals.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("{} catalogue: {errors:?}", lang.tag()));
            (lang, bundle)
        })
        .collect()
});

fn format(lang: Lang, id: &str, args: &[(&str, &str)]) -> Option<String> {
    let (_, bundle) = BUNDLES.iter().find(|(l, _)| *l == lang)?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (k, v) in args {
        fluent_args.set(*k, FluentValue::from(*v));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

/// The message ids of a catalogue, in file order.
pub fn message_ids(lang: Lang) -> Vec<String> {
    lang.catalogue()
        .lines()
        .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" = "))
        .filter_map(|l| l.split(" = ").next().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message_and_each_formats() {
        let english = message_ids(Lang::En);
        assert!(
            english.contains(&"kiosk-checked-in".to_string())
                && english.contains(&"export-full-name".to_string()),
            "{english:?}"
        );
        for lang in Lang::ALL {
            assert_eq!(
                message_ids(lang),
                english,
                "{} has other messages",
                lang.tag()
            );
            for id in &english {
                let args = [
                    ("name", "Nguyễn Thị Phương Thảo"),
                    ("delegation", "Hà Tĩnh"),
                    ("actor", "token:3"),
                    ("reason", "đến muộn"),
                ];
                let text = format(lang, id, &args)
                    .unwrap_or_else(|| panic!("{}: {id} does not format", lang.tag()));
                assert!(
                    !text.is_empty() && !text.contains('{'),
                    "{}: {id}: {text}",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn names_are_filled_in_as_typed() {
        let args = [("name", "Nguyễn Văn An"), ("delegation", "Hà Tĩnh")];
        assert_eq!(
            Lang::Vi.say("kiosk-checked-in", &args),
            "Xin chào Nguyễn Văn An (Hà Tĩnh)"
        );
        assert_eq!(
            Lang::En.say("kiosk-checked-in", &args),
            "Welcome, Nguyễn Văn An (Hà Tĩnh)"
        );
        assert_eq!(Lang::Vi.say("no-such-message", &[]), "no-such-message");
    }

    #[test]
    fn languages_are_chosen_from_tags_and_headers() {
        assert_eq!(Lang::from_tag("vi"), Some(Lang::Vi));
        assert_eq!(Lang::from_tag("vi-VN"), Some(Lang::Vi));
        assert_eq!(Lang::from_tag("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag("not a tag!"), None);
        assert_eq!(Lang::negotiate("vi-VN,vi;q=0.9,en-US;q=0.8"), Lang::Vi);
        assert_eq!(Lang::negotiate("fr-FR, en;q=0.5"), Lang::En);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }
}
