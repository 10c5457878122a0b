//! Dev URLs: a parsed URL writes back to text that parses to the same value, and no password
//! survives masking — neither in a URL assay writes nor in one a user wrote by hand.

use dbassay_dsl::url::{self, DevUrl, mask_password};

/// Parses the input as a dev URL; checks the round trip and that the printed form hides the
/// password.
pub fn dev_url(text: &str) {
    let _ = mask_password(text);
    let Ok(parsed) = url::parse(text) else {
        return;
    };
    let written = parsed.to_url();
    let again = url::parse(&written)
        .unwrap_or_else(|e| panic!("the canonical form {written:?} does not parse: {e}"));
    assert_eq!(
        again, parsed,
        "the canonical form {written:?} reads back differently"
    );
    let password = match &parsed {
        DevUrl::Postgres(s) | DevUrl::Mysql(s) | DevUrl::Mariadb(s) => s.password.clone(),
        _ => None,
    };
    if let Some(p) = password {
        let encoded = url::percent_encode(&p);
        assert_no_password(&written, &encoded);
    }
}

/// Masks hand-written text that holds a password: `scheme://user:PASSWORD@rest` and
/// `password=PASSWORD`. The input is `user\npassword\nrest`.
pub fn masked(text: &str) {
    let mut parts = text.splitn(3, '\n');
    let (user, password, rest) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    // A URL token ends at whitespace or a quote, and its userinfo at the last `@`: a password
    // with those is not one URL, and a user with `:` or `@` moves the password.
    let ends_token = |c: char| c.is_whitespace() || c == '"' || c == '\'';
    let rest = rest
        .split(|c: char| ends_token(c) || c == '@')
        .next()
        .unwrap_or("");
    if !user.contains([':', '@', '/'])
        && !user.contains(ends_token)
        && !password.contains(ends_token)
        && !password.contains('@')
    {
        let line = format!("cannot connect to postgres://{user}:{password}@{rest} and more");
        assert_no_password(&line, password);
    }
    if !password.contains(|c: char| c.is_whitespace() || c == '&' || c == ';' || c == '\'') {
        assert_no_password(
            &format!("host=h {user}password={password} dbname=d"),
            password,
        );
    }
}

/// `text` (masked) shows no part of `password` that could give it away: the password itself,
/// for a password of 4 characters or more.
fn assert_no_password(text: &str, password: &str) {
    // A password written twice, or with `*` (it could meet the mask), proves nothing here.
    if password.chars().count() < 4 || password.contains('*') || text.matches(password).count() != 1
    {
        return;
    }
    let masked = mask_password(text);
    assert!(
        !masked.contains(password),
        "password {password:?} left in {masked:?} (from {text:?})"
    );
}
