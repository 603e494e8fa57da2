//! The rules for a customer's company name, shared by creation and the Control Hub's
//! rename.

use crate::domain::fields::{Field, FieldErrors, add};

/// Longest company name, in characters.
pub const MAX_COMPANY_NAME: usize = 200;

/// Checks the company name rules shared by every door; at most one error is reported.
pub fn check_company_name(name: &str, field: Field, errors: &mut FieldErrors) {
    let name = name.trim();
    if name.is_empty() {
        add(errors, field, "Enter the company name.");
    } else if name.chars().count() > MAX_COMPANY_NAME {
        add(
            errors,
            field,
            "The company name can be at most 200 characters.",
        );
    } else if name.contains('%') {
        add(errors, field, "The company name cannot contain “%”.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_with_percent_are_refused() {
        let mut e = FieldErrors::new();
        check_company_name("100% Dental", Field::CustomerName, &mut e);
        assert!(e.messages(&Field::CustomerName)[0].contains('%'));
    }
}
