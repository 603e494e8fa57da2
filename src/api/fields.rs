//! The API's names for the fields a service refuses: the JSON path of the field in the
//! vendor's request body (SPEC §9), which each invalid-input description starts with,
//! and the `errorCode` a refusal answers with. The services name fields with
//! `domain::fields::Field`; this is the one place that spells them as JSON paths.

use super::codes;
use crate::domain::fields::{AddressPart, Field, FieldError, LocationPart, TemplateField};

/// Where the first location sits in a customer body.
const LOCATION: &str = "provisioningParameters.calling.location";

/// The JSON path of `field` in the request body.
pub fn json_path(field: &Field) -> String {
    let path = match field {
        Field::ProvisioningId => "provisioningId",
        Field::CustomerName => "customerInfo.name",
        Field::PrimaryEmail => "customerInfo.primaryEmail",
        Field::CustomerLanguage => "customerInfo.language",
        Field::ExternalId => "externalId",
        Field::BillingStartDate => "billingStartDate",
        // The API asks for no confirmation (its list is complete by definition); were
        // one refused, it would concern the package list.
        Field::Packages | Field::PackageRemoval => "packages",
        Field::PackageLimits => "provisioningParameters.packages.limits",
        Field::PackageLimit(package) => {
            return format!("provisioningParameters.packages.limits.{package}");
        }
        Field::Address(part) => return address("address", *part),
        Field::Location(LocationPart::Whole) => LOCATION,
        Field::Location(LocationPart::Name) => return format!("{LOCATION}.name"),
        Field::Location(LocationPart::Timezone) => return format!("{LOCATION}.timezone"),
        Field::Location(LocationPart::Language) => return format!("{LOCATION}.language"),
        Field::Location(LocationPart::Address(part)) => {
            return address(&format!("{LOCATION}.address"), *part);
        }
        Field::MeetingsTimezone => "provisioningParameters.meetings.timezone",
        Field::PlannedOnboardingDate => "plannedOnboardingDate",
        Field::RestrictOrgSettings => "restrictOrgSettings",
        Field::Template(t) => template(*t),
        Field::Other(name) => return name.clone(),
    };
    path.to_string()
}

fn address(prefix: &str, part: AddressPart) -> String {
    let part = match part {
        AddressPart::Whole => return prefix.to_string(),
        AddressPart::Line1 => "addressLine1",
        AddressPart::Line2 => "addressLine2",
        AddressPart::City => "city",
        AddressPart::StateOrProvince => "stateOrProvince",
        AddressPart::ZipOrPostalCode => "zipOrPostalCode",
        AddressPart::Country => "country",
    };
    format!("{prefix}.{part}")
}

fn template(field: TemplateField) -> &'static str {
    match field {
        TemplateField::OfferBroadworks => "offerBroadworks",
        TemplateField::Name => "name",
        TemplateField::SpAdminEmail => "spAdminEmail",
        TemplateField::Country => "country",
        TemplateField::Language => "language",
        TemplateField::SubscriptionId => "subscriptionId",
        TemplateField::PstnVendor => "pstnVendor",
        TemplateField::AuthMode => "authMode",
        TemplateField::SamlEntityId => "samlEntityId",
        TemplateField::SamlMetadata => "samlMetadata",
        TemplateField::OidcIdpName => "oidcIdpName",
        TemplateField::EmailBrandName => "emailBrandName",
        TemplateField::AllowAdminInviteEmails => "allowAdminInviteEmails",
        TemplateField::AllowWebexToWebex => "allowWebexToWebex",
    }
}

/// The `errors[]` entry of one refusal: a conflict is the API's 409 code with the bare
/// message; the vendor's own refusals keep the vendor's code and exact text, so that
/// integrations matching on them keep working; any other names its field.
pub fn entry(e: &FieldError) -> (u32, String) {
    if e.conflict {
        return (codes::CONFLICT, e.message.clone());
    }
    match e.vendor_code {
        Some(code) => (code, e.message.clone()),
        None => (
            codes::INVALID_INPUT,
            format!("{}: {}", json_path(&e.field), e.message),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::customer::rules;

    #[test]
    fn every_field_has_its_json_path() {
        let cases = [
            (Field::ProvisioningId, "provisioningId"),
            (Field::CustomerName, "customerInfo.name"),
            (Field::PrimaryEmail, "customerInfo.primaryEmail"),
            (Field::CustomerLanguage, "customerInfo.language"),
            (Field::ExternalId, "externalId"),
            (Field::BillingStartDate, "billingStartDate"),
            (Field::Packages, "packages"),
            (
                Field::PackageLimits,
                "provisioningParameters.packages.limits",
            ),
            (
                Field::PackageLimit("webex_calling".into()),
                "provisioningParameters.packages.limits.webex_calling",
            ),
            (Field::Address(AddressPart::Whole), "address"),
            (Field::Address(AddressPart::Line1), "address.addressLine1"),
            (Field::Address(AddressPart::Line2), "address.addressLine2"),
            (Field::Address(AddressPart::City), "address.city"),
            (
                Field::Address(AddressPart::StateOrProvince),
                "address.stateOrProvince",
            ),
            (
                Field::Address(AddressPart::ZipOrPostalCode),
                "address.zipOrPostalCode",
            ),
            (Field::Address(AddressPart::Country), "address.country"),
            (
                Field::Location(LocationPart::Whole),
                "provisioningParameters.calling.location",
            ),
            (
                Field::Location(LocationPart::Name),
                "provisioningParameters.calling.location.name",
            ),
            (
                Field::Location(LocationPart::Timezone),
                "provisioningParameters.calling.location.timezone",
            ),
            (
                Field::Location(LocationPart::Language),
                "provisioningParameters.calling.location.language",
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::Line1)),
                "provisioningParameters.calling.location.address.addressLine1",
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::Country)),
                "provisioningParameters.calling.location.address.country",
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::ZipOrPostalCode)),
                "provisioningParameters.calling.location.address.zipOrPostalCode",
            ),
            (
                Field::MeetingsTimezone,
                "provisioningParameters.meetings.timezone",
            ),
            (Field::PlannedOnboardingDate, "plannedOnboardingDate"),
            (Field::Template(TemplateField::SamlMetadata), "samlMetadata"),
            (
                Field::Other("customerInfo.name".into()),
                "customerInfo.name",
            ),
        ];
        for (field, path) in cases {
            assert_eq!(json_path(&field), path, "{field:?}");
        }
    }

    #[test]
    fn each_refusal_gets_its_code() {
        let mut invalid = FieldError {
            field: Field::Address(AddressPart::Line1),
            message: "too long".into(),
            vendor_code: None,
            conflict: false,
        };
        assert_eq!(
            entry(&invalid),
            (
                codes::INVALID_INPUT,
                "address.addressLine1: too long".into()
            )
        );
        invalid.field = Field::PackageLimit("webex_suite".into());
        assert_eq!(
            entry(&invalid).1,
            "provisioningParameters.packages.limits.webex_suite: too long"
        );
        assert_eq!(
            entry(&rules::email_in_use()),
            (10022, rules::EMAIL_IN_USE.to_string())
        );
        let (code, description) = entry(&rules::external_id_duplicate("EXT-1"));
        assert_eq!(code, codes::CONFLICT);
        assert!(description.contains("EXT-1"), "{description}");
    }
}
