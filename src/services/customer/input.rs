//! Requests about a customer, as both doors deliver them: a new customer, a change, and
//! what the provisioning job is left to do.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

pub use crate::domain::address::AddressInput;

/// A calling location: the first one is made by the provisioning job.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LocationInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: AddressInput,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub language: String,
    pub emergency_location_identifier: Option<String>,
}

/// A request to provision a new customer, as both doors deliver it.
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub provisioning_id: String,
    pub packages: Vec<String>,
    pub external_id: Option<String>,
    pub address: Option<AddressInput>,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    pub language: Option<String>,
    /// The headquarters / first calling location.
    pub location: Option<LocationInput>,
    pub meetings_timezone: Option<String>,
    /// Package quantities; `Some` means *Enable package quantity* is on.
    pub limits: Option<BTreeMap<String, i64>>,
    pub billing_start_date: Option<Date>,
    /// `orgId`: attach wholesale to this existing org instead of creating one (SPEC
    /// §4.5). Its name and primary email are then the org's own, not asked for.
    pub attach_to: Option<uuid::Uuid>,
}

/// A change to a customer, as both doors deliver it (`PUT /v1/wholesale/customers/{id}`).
/// `None` keeps what the customer has, except `packages`, which is required: the list
/// sent is the complete list, and a package left out is removed.
#[derive(Clone, Debug, Default)]
pub struct CustomerUpdate {
    /// `Some("")` clears the external id.
    pub external_id: Option<String>,
    pub packages: Option<Vec<String>>,
    /// The billing address; a change triggers a compliance check (SPEC §4.3).
    pub address: Option<AddressInput>,
    /// The first calling location is made at creation and never moved by an update;
    /// a location sent here is checked like on creation, and otherwise left alone.
    pub location: Option<LocationInput>,
    pub meetings_timezone: Option<String>,
    /// Package quantities. `None` keeps the current ones; a package missing from the map
    /// keeps its current quantity.
    pub limits: Option<BTreeMap<String, i64>>,
    pub billing_start_date: Option<Date>,
    /// The packages whose removal the request confirms. `None` asks for no confirmation
    /// (the API: the list it sends is complete by definition); `Some` is the page's
    /// confirmation step, where a package left out but not named here is refused and
    /// nothing changes.
    pub confirmed_removals: Option<BTreeSet<String>>,
}

/// What the job needs to finish the customer, stored with it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingWork {
    pub location: LocationInput,
}
