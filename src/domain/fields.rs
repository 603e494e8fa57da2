//! Field errors as every check reports them, and the trimming of optional text the
//! checks share. A check names the field it refuses with `Field`, never with a string:
//! each door decides what the field is called on its side (the API's JSON path and
//! code, the page's form field and wizard step), so a rename on one side cannot quietly
//! send an error to the wrong place on the other.

/// A field of a request that a rule can refuse.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The onboarding template a customer is provisioned from.
    ProvisioningId,
    /// The customer's company name.
    CustomerName,
    /// The customer administrator's email address.
    PrimaryEmail,
    /// The customer's language.
    CustomerLanguage,
    /// The partner's own id for the customer.
    ExternalId,
    /// The delayed billing start.
    BillingStartDate,
    /// The package list as a whole.
    Packages,
    /// The confirmation that packages left out of the list are to be removed.
    PackageRemoval,
    /// The package quantities as a whole.
    PackageLimits,
    /// The quantity of one package, by the key the request gave it.
    PackageLimit(String),
    /// The customer's billing address, or one part of it.
    Address(AddressPart),
    /// The customer's first location, or one part of it.
    Location(LocationPart),
    /// The time zone of the customer's meetings.
    MeetingsTimezone,
    /// The planned date a customer's onboarding completes (setup assist).
    PlannedOnboardingDate,
    /// The customer's "restrict organisation settings" switch.
    RestrictOrgSettings,
    /// A field of an onboarding template.
    Template(TemplateField),
    /// A field only the door itself knows (a form control, the body as a whole, a
    /// query parameter): its name is already the door's, and both doors show it as is.
    Other(String),
}

/// A part of a postal address; `Whole` is the address itself (say, it is missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressPart {
    Whole,
    Line1,
    Line2,
    City,
    StateOrProvince,
    ZipOrPostalCode,
    Country,
}

/// A part of a customer's first location; `Whole` is the location itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LocationPart {
    Whole,
    Name,
    Timezone,
    Language,
    Address(AddressPart),
}

/// A field of an onboarding template (SPEC §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TemplateField {
    OfferBroadworks,
    Name,
    SpAdminEmail,
    Country,
    Language,
    SubscriptionId,
    PstnVendor,
    AuthMode,
    SamlEntityId,
    SamlMetadata,
    OidcIdpName,
    EmailBrandName,
    AllowAdminInviteEmails,
    AllowWebexToWebex,
}

/// One refusal of one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    /// The vendor's own error code for this refusal (SPEC §9), where it has one; the
    /// API answers with it and the vendor's exact message.
    pub vendor_code: Option<u32>,
    /// The value is held by another record and the request cannot pass until one of
    /// them changes: the API answers 409, pages show it beside the field like any other.
    pub conflict: bool,
}

/// The refusals of one request, in the order the checks made them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a refusal of `field`, keeping earlier ones.
    pub fn add(&mut self, field: Field, message: impl Into<String>) {
        self.push(FieldError {
            field,
            message: message.into(),
            vendor_code: None,
            conflict: false,
        });
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// Does any refusal name `field`?
    pub fn has(&self, field: &Field) -> bool {
        self.0.iter().any(|e| e.field == *field)
    }

    /// The messages of the refusals of `field`, in order.
    pub fn messages(&self, field: &Field) -> Vec<String> {
        self.0
            .iter()
            .filter(|e| e.field == *field)
            .map(|e| e.message.clone())
            .collect()
    }

    pub fn retain(&mut self, keep: impl FnMut(&FieldError) -> bool) {
        self.0.retain(keep);
    }

    pub fn append(&mut self, other: &mut FieldErrors) {
        self.0.append(&mut other.0);
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<&str> for Field {
    fn from(name: &str) -> Self {
        Field::Other(name.to_string())
    }
}

impl From<TemplateField> for Field {
    fn from(field: TemplateField) -> Self {
        Field::Template(field)
    }
}

/// Adds `message` to the errors of `field`, keeping earlier ones.
pub fn add(errors: &mut FieldErrors, field: impl Into<Field>, message: impl Into<String>) {
    errors.add(field.into(), message);
}

/// The text with surrounding blanks removed; blank text counts as absent.
pub fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
