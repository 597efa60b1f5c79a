//! Names as people type them. A congress secretariat types "nguyen" for "Nguyễn", "dang" for
//! "Đặng", and its keyboards and spreadsheets produce both composed (NFC) and decomposed (NFD)
//! Vietnamese; lists are read in Vietnamese alphabetical order. So:
//!
//! - [`normalize`]: what is stored: NFC, trimmed, inner runs of white space made one space;
//! - [`search_key`]: what is searched: lower case without diacritics (đ/Đ fold to d), so one
//!   `LIKE` on a stored key behaves the same on SQLite and PostgreSQL;
//! - [`NameOrder`]: how lists are sorted: by the given name (the last word, as Vietnamese lists
//!   are ordered; for "Barack Obama" it is the family name, as English lists are), then the whole
//!   name, with the Vietnamese collation of CLDR (ICU4X).

use std::cmp::Ordering;

use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::{Collator, CollatorBorrowed};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// `name` in NFC, trimmed, with each run of white space (tabs, new lines included) made one space.
pub fn normalize(name: &str) -> String {
    let composed: String = name.nfc().collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The search form of `text`: lower case, without diacritics (ư -> u, ệ -> e, đ -> d), spaces
/// normalised. A query folded the same way matches it as a substring.
pub fn search_key(text: &str) -> String {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            // Đ/đ are letters of their own, not d with a mark: Unicode gives them no decomposition.
            'Đ' | 'đ' | 'Ɖ' | 'ɖ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sorts people's names in Vietnamese order, given name first (see the crate's note).
#[derive(Debug)]
pub struct NameOrder {
    collator: CollatorBorrowed<'static>,
}

impl Default for NameOrder {
    fn default() -> Self {
        Self::new()
    }
}

impl NameOrder {
    pub fn new() -> Self {
        let mut options = CollatorOptions::default();
        // Tertiary: base letters, then diacritics, then case (a < á < ă < â, d < đ).
        options.strength = Some(Strength::Tertiary);
        let locale = icu_locale_core::locale!("vi");
        let collator = Collator::try_new(locale.into(), options)
            .expect("the Vietnamese collation is compiled in");
        NameOrder { collator }
    }

    /// Compares two names: given names (last words) first, then the whole names.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        let given = |s: &str| s.split_whitespace().next_back().unwrap_or("").to_string();
        self.collator
            .compare(&given(a), &given(b))
            .then_with(|| self.collator.compare(a, b))
    }

    /// Compares two strings in Vietnamese order (for delegations and other labels).
    pub fn compare_text(&self, a: &str, b: &str) -> Ordering {
        self.collator.compare(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stored_composed_and_tidy() {
        let decomposed = "Nguye\u{0302}\u{0303}n  Va\u{0306}n\tAn ";
        assert_eq!(normalize(decomposed), "Nguyễn Văn An");
        assert_eq!(normalize("Nguyễn Văn An"), "Nguyễn Văn An");
    }

    #[test]
    fn search_keys_ignore_case_and_diacritics() {
        assert_eq!(search_key("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(search_key("ĐẶNG THỊ HOA"), "dang thi hoa");
        assert_eq!(search_key("Đỗ Mười"), "do muoi");
        assert_eq!(search_key("Trần Thị Ánh"), "tran thi anh");
        assert_eq!(search_key("Nguye\u{0302}\u{0303}n"), search_key("Nguyễn"));
        assert_eq!(search_key("Phương Thảo, Hà Tĩnh"), "phuong thao, ha tinh");
        assert_eq!(search_key("Barack  Obama"), "barack obama");
    }

    #[test]
    fn vietnamese_letters_sort_in_their_alphabet() {
        let order = NameOrder::new();
        // a ă â b c d đ e ê ... o ô ơ ... u ư
        let mut words = vec!["ư", "đ", "â", "u", "ơ", "a", "d", "ă", "ô", "o", "e", "ê"];
        words.sort_by(|a, b| order.compare_text(a, b));
        assert_eq!(
            words,
            ["a", "ă", "â", "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư"]
        );
    }

    #[test]
    fn names_sort_by_given_name_then_whole_name() {
        let order = NameOrder::new();
        let mut names = vec![
            "Trần Thị Ánh",
            "Đỗ Mười",
            "Nguyễn Văn An",
            "Đặng Thị Hoa",
            "Lê Văn An",
            "Nguyễn Thị Phương Thảo",
        ];
        names.sort_by(|a, b| order.compare(a, b));
        assert_eq!(
            names,
            [
                "Lê Văn An",
                "Nguyễn Văn An",
                "Trần Thị Ánh",
                "Đặng Thị Hoa",
                "Đỗ Mười",
                "Nguyễn Thị Phương Thảo",
            ]
        );
    }
}
