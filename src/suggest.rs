//! Did-you-mean help for a word that is not one of the allowed ones: the one helper the parser
//! (unknown keys and values) and the rule engine (unknown references) share. It formats help
//! text only; it never decides what is allowed.

/// `a`, `b`, `c`: items in backticks, comma-separated.
pub fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A help line: "did you mean `X`?" when `word` is close to a candidate, else `otherwise()`.
pub fn suggest(word: &str, candidates: &[&str], otherwise: impl FnOnce() -> String) -> String {
    match did_you_mean(word, candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None => otherwise(),
    }
}

/// Longest word or candidate [`did_you_mean`] compares: Jaro-Winkler takes time proportional
/// to the product of the lengths, and no key k8gen knows (nor any valid data key) is longer.
const MAX_SUGGESTION_LEN: usize = 256;

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    if word.len() > MAX_SUGGESTION_LEN {
        return None;
    }
    candidates
        .iter()
        .filter(|c| c.len() <= MAX_SUGGESTION_LEN)
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
