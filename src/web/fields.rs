//! The pages' names for the fields a service refuses: which form control an error is
//! shown beside. The services name fields with `domain::fields::Field`; this is the one
//! place that turns them into form field names (the wizards add which step asks for
//! each), so pages never read the API's JSON paths.

use std::collections::BTreeMap;

use crate::domain::fields::{AddressPart, Field, FieldErrors, LocationPart, TemplateField};
use crate::error::AppError;

/// Form field name → messages, in a stable order for rendering.
pub type FormErrors = BTreeMap<String, Vec<String>>;

/// The form control an error of `field` is shown beside. A location's address shares
/// the billing address's controls: the wizard asks for one address.
pub fn form_field(field: &Field) -> String {
    let name = match field {
        Field::ProvisioningId => "provisioning_id",
        Field::CustomerName => "name",
        Field::PrimaryEmail => "primary_email",
        Field::CustomerLanguage => "language",
        Field::ExternalId => "external_id",
        Field::BillingStartDate => "billing_start_date",
        Field::Packages => "packages",
        Field::PackageRemoval => "confirm_remove",
        Field::PackageLimits => "quantities",
        Field::PackageLimit(package) => return format!("quantity_{package}"),
        Field::Address(part) | Field::Location(LocationPart::Address(part)) => address(*part),
        Field::Location(LocationPart::Whole | LocationPart::Name) => "location_name",
        Field::Location(LocationPart::Timezone) | Field::MeetingsTimezone => "timezone",
        Field::Location(LocationPart::Language) => "location_language",
        Field::PlannedOnboardingDate => "planned_onboarding_date",
        Field::RestrictOrgSettings => "restrict_org_settings",
        Field::Template(t) => template(*t),
        Field::Other(name) => return name.clone(),
    };
    name.to_string()
}

fn address(part: AddressPart) -> &'static str {
    match part {
        AddressPart::Whole | AddressPart::Line1 => "line1",
        AddressPart::Line2 => "line2",
        AddressPart::City => "city",
        AddressPart::StateOrProvince => "state",
        AddressPart::ZipOrPostalCode => "zip",
        AddressPart::Country => "country",
    }
}

fn template(field: TemplateField) -> &'static str {
    match field {
        TemplateField::OfferBroadworks => "offer_broadworks",
        TemplateField::Name => "name",
        TemplateField::SpAdminEmail => "sp_admin_email",
        TemplateField::Country => "country",
        TemplateField::Language => "language",
        TemplateField::SubscriptionId => "subscription_id",
        TemplateField::PstnVendor => "pstn_vendor",
        TemplateField::AuthMode => "auth_mode",
        TemplateField::SamlEntityId => "saml_entity_id",
        TemplateField::SamlMetadata => "saml_metadata",
        TemplateField::OidcIdpName => "oidc_idp_name",
        TemplateField::EmailBrandName => "email_brand_name",
        TemplateField::AllowAdminInviteEmails => "allow_admin_invite_emails",
        TemplateField::AllowWebexToWebex => "allow_webex_to_webex",
    }
}

/// A service's errors by form field, through `name` (a page's own choice of controls).
pub fn by_form_field(errors: FieldErrors, name: impl Fn(&Field) -> String) -> FormErrors {
    let mut out = FormErrors::new();
    for e in errors {
        out.entry(name(&e.field)).or_default().push(e.message);
    }
    out
}

/// A service's errors by the form field each is shown beside.
pub fn form_errors(errors: FieldErrors) -> FormErrors {
    by_form_field(errors, form_field)
}

/// A page's own errors (already named by form field) as a validation error.
pub fn invalid(errors: FormErrors) -> AppError {
    let mut out = FieldErrors::new();
    for (name, messages) in errors {
        for m in messages {
            out.add(Field::Other(name.clone()), m);
        }
    }
    AppError::Validation(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_shows_beside_its_own_control() {
        let cases = [
            (Field::ProvisioningId, "provisioning_id"),
            (Field::CustomerName, "name"),
            (Field::PrimaryEmail, "primary_email"),
            (Field::CustomerLanguage, "language"),
            (Field::ExternalId, "external_id"),
            (Field::BillingStartDate, "billing_start_date"),
            (Field::Packages, "packages"),
            (Field::PackageRemoval, "confirm_remove"),
            (Field::PackageLimits, "quantities"),
            (
                Field::PackageLimit("webex_calling".into()),
                "quantity_webex_calling",
            ),
            (Field::Address(AddressPart::Whole), "line1"),
            (Field::Address(AddressPart::Line1), "line1"),
            (Field::Address(AddressPart::Line2), "line2"),
            (Field::Address(AddressPart::City), "city"),
            (Field::Address(AddressPart::StateOrProvince), "state"),
            (Field::Address(AddressPart::ZipOrPostalCode), "zip"),
            (Field::Address(AddressPart::Country), "country"),
            (Field::Location(LocationPart::Whole), "location_name"),
            (Field::Location(LocationPart::Name), "location_name"),
            (Field::Location(LocationPart::Timezone), "timezone"),
            (Field::Location(LocationPart::Language), "location_language"),
            (
                Field::Location(LocationPart::Address(AddressPart::City)),
                "city",
            ),
            (Field::MeetingsTimezone, "timezone"),
            (Field::PlannedOnboardingDate, "planned_onboarding_date"),
            (Field::RestrictOrgSettings, "restrict_org_settings"),
            (
                Field::Template(TemplateField::SamlMetadata),
                "saml_metadata",
            ),
            (
                Field::Template(TemplateField::AllowWebexToWebex),
                "allow_webex_to_webex",
            ),
            (Field::Other("form".into()), "form"),
        ];
        for (field, name) in cases {
            assert_eq!(form_field(&field), name, "{field:?}");
        }
    }

    #[test]
    fn a_pages_own_errors_keep_their_names() {
        let mut mine = FormErrors::new();
        mine.insert("form".into(), vec!["Too large.".into()]);
        let AppError::Validation(errors) = invalid(mine.clone()) else {
            panic!("not a validation error");
        };
        assert_eq!(form_errors(errors), mine);
    }
}
