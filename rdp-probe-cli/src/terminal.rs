//! Server strings on a terminal. Whatever a server names itself (certificate subjects and issuers,
//! NTLM names, redirection targets) is shown with its control characters and bidirectional
//! overrides written out as escapes, so a hostile server cannot move the cursor, retitle the
//! window, hide text or fake the lines around it. The JSON keeps the strings as sent (JSON escapes
//! control characters itself); the HTML page escapes markup (`html::escape`).

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as itself: a control character (C0, DEL, C1: ESC starts
/// every terminal sequence, CR and BS overwrite what was printed) or a Unicode bidirectional
/// control (which reorders what follows it on the line).
fn unsafe_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every character [`unsafe_on_terminal`] written as `\u{…}` (hex); borrowed when there is
/// none, which is almost always.
///
/// ```ignore
/// assert_eq!(safe("LAB\u{1b}]0;owned\u{7}"), "LAB\\u{1b}]0;owned\\u{7}");
/// ```
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_on_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_on_terminal(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::safe;
    use std::borrow::Cow;

    #[test]
    fn plain_names_are_borrowed_unchanged() {
        for name in [
            "LABHOST",
            "CN=rdp.example.com, O=Ex, Inc.",
            "höst-ünïcode",
            "<b>x</b>",
        ] {
            assert!(matches!(safe(name), Cow::Borrowed(n) if n == name));
        }
    }

    #[test]
    fn control_characters_and_bidi_overrides_become_visible_escapes() {
        assert_eq!(
            safe("LAB\u{1b}]0;owned\u{7}\r\n"),
            "LAB\\u{1b}]0;owned\\u{7}\\u{d}\\u{a}"
        );
        assert_eq!(safe("a\u{7f}b\u{9b}c"), "a\\u{7f}b\\u{9b}c");
        assert_eq!(safe("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(safe("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        // Nothing unsafe is left in the output.
        let out = safe("\u{0}\u{1f}\u{80}\u{9f}\u{200f}");
        assert!(!out.chars().any(|c| c.is_control()));
    }
}
