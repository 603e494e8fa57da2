//! What a password chosen here must be (ASVS V2.1): long enough, not absurdly long,
//! typed the same twice, and not the email address itself. No composition rules: any
//! characters (spaces and emoji too) count.

/// Fewest characters of a new password.
pub const MIN_CHARS: usize = 12;
/// Most characters of a new password (argon2 takes any length; this caps the work).
pub const MAX_CHARS: usize = 128;

/// Why a new password is refused, as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Beside the password field.
    Password(String),
    /// Beside the confirmation field.
    Confirmation(String),
}

/// Checks a new password and its confirmation for the account `email`.
pub fn check(password: &str, confirmation: &str, email: &str) -> Result<(), Refusal> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(Refusal::Password(format!(
            "Use at least {MIN_CHARS} characters."
        )));
    }
    if n > MAX_CHARS {
        return Err(Refusal::Password(format!(
            "Use at most {MAX_CHARS} characters."
        )));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(Refusal::Password(
            "Do not use your email address as your password.".into(),
        ));
    }
    if password != confirmation {
        return Err(Refusal::Confirmation(
            "The two passwords are not the same; type the password again.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_enough_the_same_twice_and_not_the_email() {
        let email = "owner.sample@acme.example";
        assert_eq!(
            check("correct horse battery", "correct horse battery", email),
            Ok(())
        );
        assert!(matches!(
            check("short", "short", email),
            Err(Refusal::Password(_))
        ));
        let long = "x".repeat(MAX_CHARS + 1);
        assert!(matches!(
            check(&long, &long, email),
            Err(Refusal::Password(_))
        ));
        assert!(matches!(
            check("correct horse battery", "correct horse batterY", email),
            Err(Refusal::Confirmation(_))
        ));
        assert!(matches!(
            check(
                "OWNER.sample@acme.example",
                "OWNER.sample@acme.example",
                email
            ),
            Err(Refusal::Password(_))
        ));
        // Characters, not bytes: twelve accented letters are enough.
        let accented = "é".repeat(MIN_CHARS);
        assert_eq!(check(&accented, &accented, email), Ok(()));
    }
}
